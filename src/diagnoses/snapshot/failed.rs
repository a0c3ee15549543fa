//! `vmsnapshot-failed`: the catch-all for backup-extension failures no specific finding explains.

use chrono::{DateTime, Duration, Utc};
use snaptriage_parsers::vmsnapshot_log::ext_error_by_value;

use super::backup_statuses;
use crate::catalog::Catalog;
use crate::diagnoses::extensions::extension_of;
use crate::diagnoses::{describe_ext_code, Context, Diagnosis, Draft, Input, Signal};
use crate::facts::is_backup_extension;
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Evidence, Severity};

/// A failure of the backup extension with the error it decodes to.
struct Failure {
    code: Option<String>,
    evidence: Evidence,
    time: Option<DateTime<Utc>>,
}

/// Which finding explains a decoded extension error name (the catalog says which lists it).
fn claimed_by(name: &str) -> Option<&'static str> {
    Catalog::get().finding_of_error_name(name)
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

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::VmSnapshotLog), Input::windows(ArtifactKind::PluginLog)] }
    }

    fn reads(&self) -> &'static [&'static str] {
        SPECIFIC
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let last_ok = last_success(cx);
        let failures = collect_failures(cx, last_ok);
        // A crash explains the failure only when it came just before it (critical); an earlier crash does not.
        let explains = |id: &str| match cx.decided(id) {
            Some(sev) => id != "vmsnapshot-crash" || sev == Severity::Critical,
            None => false,
        };
        let specific_decided = SPECIFIC.iter().any(|id| explains(id));
        let unexplained: Vec<&Failure> = failures
            .iter()
            .filter(|f| match f.code.as_deref().and_then(claimed_by) {
                Some(owner) => cx.decided(owner).is_none(),
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
