//! The backup extension's runs: limits, time-outs, overlapping runs, and failures no specific finding explains.

use chrono::{DateTime, Duration, Utc};
use snaptriage_parsers::vmsnapshot_log::ext_error_by_value;

use super::extensions::{extension_of, SETTINGS_CODES};
use super::freeze::{FREEZE_CODES, MOUNT_CODES};
use super::network::STORAGE_CODES;
use super::{describe_ext_code, evidence_of, Context, Diagnosis, Draft, Signal};
use crate::facts::{is_backup_extension, ExtensionStatusFact};
use crate::intake::ArtifactKind;
use crate::report::{Confidence, Evidence, Severity};
use crate::timeline::{human_duration, rfc3339};

/// Extension error names for the snapshot-count limit.
pub const LIMIT_CODES: &[&str] = &["FailedSnapshotLimitReached"];
/// Extension error names for a task invoked too late.
pub const LATE_CODES: &[&str] = &["FailedGuestAgentInvokedCommandTooLate"];
/// A run not finished this long after it started (or after its last status) has timed out.
const STUCK_HOURS: i64 = 2;
/// The platform gives a snapshot task this long; a new run within it while one is open overlaps.
const TASK_WINDOW_MINUTES: i64 = 140;

fn backup_statuses<'c>(cx: &'c Context<'_>) -> impl Iterator<Item = &'c ExtensionStatusFact> + 'c {
    cx.facts.extension_statuses.iter().filter(|s| s.is_backup_extension())
}

fn status_has(s: &ExtensionStatusFact, names: &[&str], values: &[i64]) -> bool {
    s.status == "error"
        && (s.ext_error.as_deref().is_some_and(|e| names.contains(&e))
            || s.code.is_some_and(|c| values.contains(&c)))
}

/// `snapshot-limit-reached`.
pub struct SnapshotLimitReached;

impl Diagnosis for SnapshotLimitReached {
    fn id(&self) -> &'static str {
        "snapshot-limit-reached"
    }

    fn rule(&self) -> &'static str {
        "Storage refused a snapshot because the blob's snapshot count is exceeded, or the extension ended with \
         FailedSnapshotLimitReached (85)."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["storage.snapshot-limit", "snap.status-code", "snap.ext-error"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let direct: Vec<&Signal> = cx.named("storage.snapshot-limit").collect();
        let coded: Vec<&Signal> = cx
            .any_of(&["snap.status-code", "snap.ext-error"])
            .filter(|s| s.capture("ext_code").is_some_and(|c| LIMIT_CODES.contains(&c)))
            .collect();
        let statuses: Vec<&ExtensionStatusFact> =
            backup_statuses(cx).filter(|s| status_has(s, LIMIT_CODES, &[85])).collect();
        if direct.is_empty() && coded.is_empty() && statuses.is_empty() {
            return None;
        }
        let mut evidence = evidence_of(direct.iter().chain(&coded).copied());
        evidence.extend(statuses.iter().map(|s| s.evidence()));
        let summary = format!(
            "Azure Storage refused the backup's snapshot: a disk blob already has the maximum number of snapshots \
             ({} log line(s), {} status file(s)).",
            direct.len() + coded.len(),
            statuses.len()
        );
        Some(Draft { severity: None, confidence: Confidence::High, summary, evidence, error_codes: None })
    }
}

/// `snapshot-timeout`.
pub struct SnapshotTimeout;

impl Diagnosis for SnapshotTimeout {
    fn id(&self) -> &'static str {
        "snapshot-timeout"
    }

    fn rule(&self) -> &'static str {
        "The extension gave up on the platform's deadline (CRP timeout, code 402, thread time-out), the agent \
         killed its command on a time-out, a dependent extension never reached a terminal state, or the backup \
         extension's latest status is still transitioning 2 h or more after it was written (or after the run's \
         snapshot step started) at collection time. Not counted when a freeze hang explains the stuck status."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["snap.timeout", "ext.timeout", "ext.stuck", "snap.status-code", "snap.ext-error", "snap.step"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let explicit: Vec<&Signal> = cx.named("snap.timeout").collect();
        let killed: Vec<&Signal> = cx
            .named("ext.timeout")
            .filter(|s| s.is_backup_extension() || extension_of(s).is_some_and(|n| is_backup_extension(&n)))
            .collect();
        let stuck: Vec<&Signal> = cx.named("ext.stuck").filter(|s| s.is_backup_extension()).collect();
        let late: Vec<&Signal> = cx
            .any_of(&["snap.status-code", "snap.ext-error"])
            .filter(|s| s.capture("ext_code").is_some_and(|c| LATE_CODES.contains(&c)))
            .collect();
        let late_status: Vec<&ExtensionStatusFact> =
            backup_statuses(cx).filter(|s| status_has(s, LATE_CODES, &[402])).collect();
        let transitioning =
            if cx.decided.contains_key("fsfreeze-failed") { None } else { stuck_transitioning(cx) };
        if explicit.is_empty()
            && killed.is_empty()
            && stuck.is_empty()
            && late.is_empty()
            && late_status.is_empty()
            && transitioning.is_none()
        {
            return None;
        }
        let mut evidence = evidence_of(explicit.iter().chain(&killed).chain(&stuck).chain(&late).copied());
        evidence.extend(late_status.iter().map(|s| s.evidence()));
        let mut parts = Vec::new();
        if !explicit.is_empty() || !late.is_empty() || !late_status.is_empty() {
            parts.push("the extension hit the platform's deadline for the task".to_string());
        }
        if !killed.is_empty() {
            parts.push(format!("the agent timed out the extension's command {} time(s)", killed.len()));
        }
        if !stuck.is_empty() {
            parts.push("the extension never reached a terminal state".to_string());
        }
        if let Some((ev, how_long)) = transitioning {
            parts.push(format!("its latest status is still transitioning after {how_long}"));
            evidence.extend(ev);
        }
        let confidence = if stuck.len() == parts.len() { Confidence::Medium } else { Confidence::High };
        let summary = format!("The backup run did not finish in time: {}.", parts.join("; "));
        Some(Draft { severity: None, confidence, summary, evidence, error_codes: None })
    }
}

/// The latest backup status stuck in `transitioning` for `STUCK_HOURS`, with the run's last step.
fn stuck_transitioning(cx: &Context<'_>) -> Option<(Vec<Evidence>, String)> {
    let latest = cx.facts.latest_statuses().into_iter().find(|s| s.is_backup_extension())?;
    if latest.status != "transitioning" {
        return None;
    }
    let reference = cx.reference?;
    let last_step = cx.named("snap.step").filter(|s| s.kind == ArtifactKind::VmSnapshotLog).last();
    let since = [latest.time, last_step.and_then(|s| s.time)].into_iter().flatten().max()?;
    let waited = reference - since;
    if waited < Duration::hours(STUCK_HOURS) {
        return None;
    }
    let finished_after = cx
        .named("snap.final-status")
        .any(|s| s.time.is_some_and(|t| t >= since) && s.capture("code") != Some("4"));
    if finished_after {
        return None;
    }
    let mut evidence = vec![latest.evidence()];
    evidence.extend(last_step.map(Signal::evidence));
    Some((evidence, format!("{} (until {})", human_duration(waited), rfc3339(reference))))
}

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
                "a new run started {gap} after an unfinished one ({} overlap(s))",
                overlaps.len()
            ));
        }
        if !repeated.is_empty() {
            parts.push(format!("the same task was delivered again {} time(s)", repeated.len()));
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

/// A failure of the backup extension with the error it decodes to.
struct Failure {
    code: Option<String>,
    evidence: Evidence,
    time: Option<DateTime<Utc>>,
}

/// Which finding explains a decoded extension error name.
fn claimed_by(name: &str) -> Option<&'static str> {
    let of = |list: &[&str]| list.contains(&name);
    if of(FREEZE_CODES) {
        Some("fsfreeze-failed")
    } else if of(MOUNT_CODES) {
        Some("mount-unopenable")
    } else if of(STORAGE_CODES) {
        Some("storage-unreachable")
    } else if of(SETTINGS_CODES) {
        Some("extension-settings-undecryptable")
    } else if of(LIMIT_CODES) {
        Some("snapshot-limit-reached")
    } else if of(LATE_CODES) {
        Some("snapshot-timeout")
    } else {
        None
    }
}

/// Findings that explain a backup-extension failure without a code.
const SPECIFIC: &[&str] = &[
    "fsfreeze-failed",
    "mount-unopenable",
    "storage-unreachable",
    "extension-settings-undecryptable",
    "snapshot-limit-reached",
    "snapshot-timeout",
    "python-unsupported",
    "wireserver-unreachable",
    "agent-config-blocks-extensions",
    "dhcp-disabled",
    "agent-not-running",
    "vmsnapshot-crash",
    "antivirus-interference",
    "app-control-block",
    "vss-failure",
    "com-msdtc-failure",
    "vcredist-install-failed",
    "bitlocker-locked",
    "tls-channel-failure",
    "dotnet-missing",
];

/// `vmsnapshot-failed`.
pub struct VmSnapshotFailed;

impl Diagnosis for VmSnapshotFailed {
    fn id(&self) -> &'static str {
        "vmsnapshot-failed"
    }

    fn rule(&self) -> &'static str {
        "The backup extension's status (its real outcome: the code and inner report, not a top level forced to \
         'success'), its final status line, or its log reports a failed run whose decoded error no more specific \
         finding explains (pre/post scripts, workload, inconsistent snapshot, host errors, non-zero exits). A \
         later successful run lowers it to a warning."
    }

    fn signals(&self) -> &'static [&'static str] {
        &[
            "snap.final-status",
            "snap.failure",
            "snap.prepost-failure",
            "snap.workload-failure",
            "snap.inconsistent",
            "snap.status-code",
            "ext.failure",
            "ext.nonzero-exit",
        ]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let last_ok = last_success(cx);
        let failures = collect_failures(cx, last_ok);
        // A crash explains the failure only when it came just before it (critical); an earlier crash does not.
        let explains = |id: &str| match cx.decided.get(id) {
            Some(sev) => id != "vmsnapshot-crash" || *sev == Severity::Critical,
            None => false,
        };
        let specific_decided = SPECIFIC.iter().any(|id| explains(id));
        let unexplained: Vec<&Failure> = failures
            .iter()
            .filter(|f| match f.code.as_deref().and_then(claimed_by) {
                Some(owner) => !cx.decided.contains_key(owner),
                None => f.code.is_some() || !specific_decided,
            })
            .collect();
        if unexplained.is_empty() {
            return None;
        }
        let mut codes: Vec<String> = Vec::new();
        for f in &unexplained {
            if let Some(c) = &f.code {
                if !codes.contains(c) {
                    codes.push(c.clone());
                }
            }
        }
        let last_failure = unexplained.iter().filter_map(|f| f.time).max();
        let recovered = last_ok.zip(last_failure).is_some_and(|(s, f)| s > f);
        let mut summary = "The backup extension reported a failed run".to_string();
        if !codes.is_empty() {
            let named: Vec<String> = codes.iter().map(|c| describe_ext_code(c)).collect();
            summary.push_str(&format!(" with {}", named.join(", ")));
        }
        if failures.iter().any(|f| f.evidence.text.contains("(file says success)")) {
            summary.push_str("; its status file reads 'success' at the top level but the run failed");
        }
        if recovered {
            summary.push_str("; a later run succeeded");
        }
        summary.push('.');
        let confidence = if codes.is_empty() { Confidence::Medium } else { Confidence::High };
        let severity = if recovered { Some(Severity::Warning) } else { None };
        let evidence = unexplained.iter().map(|f| f.evidence.clone()).collect();
        Some(Draft { severity, confidence, summary, evidence, error_codes: None })
    }
}

/// How long before a failure a pre/post-script or workload line still explains it.
const EXPLAIN_WINDOW_MINUTES: i64 = 30;

/// Failures of the backup extension's runs, each with the error it decodes to, plus the pre/post-script and
/// workload lines that explain them. A run the storage throttled and a later run redid is the extension's
/// normal retry, not a failure.
fn collect_failures(cx: &Context<'_>, last_ok: Option<DateTime<Utc>>) -> Vec<Failure> {
    let mut out = Vec::new();
    for s in backup_statuses(cx).filter(|s| s.status == "error") {
        // Only the Linux extension's codes are known; the Windows extension numbers its own way.
        let linux = s.handler.to_ascii_lowercase().contains("vmsnapshotlinux");
        let code = s.ext_error.clone().or_else(|| {
            s.code
                .filter(|_| linux)
                .and_then(|c| u32::try_from(c).ok())
                .and_then(ext_error_by_value)
                .map(|c| c.name.to_string())
        });
        out.push(Failure { code, evidence: s.evidence(), time: s.time });
    }
    let line_codes: Vec<(&Signal, &str)> =
        cx.named("snap.status-code").filter_map(|s| s.capture("ext_code").map(|c| (s, c))).collect();
    let code_near = |s: &Signal| -> Option<String> {
        line_codes
            .iter()
            .find(|(c, _)| c.path == s.path && c.line == s.line)
            .or_else(|| {
                line_codes.iter().find(|(c, _)| {
                    c.path == s.path
                        && c.time.zip(s.time).is_some_and(|(a, b)| (a - b).num_seconds().abs() <= 2)
                })
            })
            .map(|(_, n)| n.to_string())
    };
    for s in cx.named("snap.final-status").filter(|s| s.capture("status") == Some("error")) {
        let code = code_near(s).or_else(|| {
            s.capture("code")
                .and_then(|c| c.parse::<u32>().ok())
                .and_then(ext_error_by_value)
                .map(|c| c.name.to_string())
        });
        out.push(Failure { code, evidence: s.evidence(), time: s.time });
    }
    for s in cx.any_of(&["snap.failure", "snap.inconsistent"]) {
        out.push(Failure { code: code_near(s), evidence: s.evidence(), time: s.time });
    }
    for s in cx.named("snap.workload-failure").filter(|s| s.mentions("Failing backup")) {
        out.push(Failure { code: code_near(s), evidence: s.evidence(), time: s.time });
    }
    for s in cx.any_of(&["ext.failure", "ext.nonzero-exit"]) {
        let ours = s.is_backup_extension() || extension_of(s).is_some_and(|n| is_backup_extension(&n));
        let op = s.capture("op").unwrap_or("");
        let removal = op.eq_ignore_ascii_case("uninstall") || op.eq_ignore_ascii_case("disable");
        if ours && !removal {
            out.push(Failure { code: None, evidence: s.evidence(), time: s.time });
        }
    }
    out.retain(|f| {
        let throttled = f.evidence.text.contains("SnapshotRateExceeded")
            || f.code.as_deref().is_some_and(|c| c.contains("RateExceeded"));
        !(throttled && last_ok.zip(f.time).is_some_and(|(ok, t)| ok > t))
    });
    // Pre/post-script and workload lines shortly before a failure say why it failed.
    let failure_times: Vec<DateTime<Utc>> = out.iter().filter_map(|f| f.time).collect();
    let window = Duration::minutes(EXPLAIN_WINDOW_MINUTES);
    for s in cx.any_of(&["snap.prepost-failure", "snap.workload-failure"]) {
        let explains = s.time.is_some_and(|t| failure_times.iter().any(|f| *f >= t && *f - t <= window));
        if explains {
            out.push(Failure { code: code_near(s), evidence: s.evidence(), time: s.time });
        }
    }
    out
}

fn last_success(cx: &Context<'_>) -> Option<DateTime<Utc>> {
    let from_status = backup_statuses(cx).filter(|s| s.status == "success").filter_map(|s| s.time).max();
    let from_log = cx
        .named("snap.final-status")
        .filter(|s| s.capture("status") == Some("success") && s.capture("code") != Some("4"))
        .filter_map(|s| s.time)
        .max();
    from_status.max(from_log)
}
