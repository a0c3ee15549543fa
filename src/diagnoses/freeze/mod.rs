//! File-system freeze and mount problems of the Linux backup extension.

#[cfg(test)]
mod tests;

use chrono::Duration;

use super::{decoded_codes, describe_ext_code, evidence_of, Context, Diagnosis, Draft, Input, Signal};
use crate::catalog::Catalog;
use crate::facts::ExtensionStatusFact;
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Severity};
use crate::report::words::count;

/// A log that ends this soon after a freeze started, with no thaw, hung while frozen.
const HANG_TAIL_MINUTES: i64 = 5;
/// Kernel complaints this close to a freeze are tied to it.
const KERNEL_WINDOW_MINUTES: i64 = 30;

/// Extension log lines naming one of `finding`'s error names (the catalog lists them).
fn coded<'c>(cx: &'c Context<'_>, finding: &str) -> Vec<&'c Signal> {
    let codes = Catalog::get().codes_of(finding);
    cx.any_of(&["snap.status-code", "snap.ext-error"])
        .filter(|s| s.capture("ext_code").is_some_and(|c| codes.has_error_name(c)))
        .collect()
}

/// Backup-extension statuses in error with one of `finding`'s error names or status codes.
fn statuses<'c>(cx: &'c Context<'_>, finding: &str) -> Vec<&'c ExtensionStatusFact> {
    let codes = Catalog::get().codes_of(finding);
    cx.facts
        .extension_statuses
        .iter()
        .filter(|s| s.is_backup_extension() && s.status == "error")
        .filter(|s| {
            s.ext_error.as_deref().is_some_and(|e| codes.has_error_name(e))
                || s.code.is_some_and(|c| codes.has_status_code(c))
        })
        .collect()
}

/// `fsfreeze-failed`.
pub struct FsFreezeFailed;

impl Diagnosis for FsFreezeFailed {
    fn id(&self) -> &'static str {
        "fsfreeze-failed"
    }

    fn rule(&self) -> &'static str {
        "Freeze or thaw failures of the freeze helper (FIFREEZE/FITHAW, 'freeze failed for some mount'), freeze \
         time-outs (no thaw signal, sig_handle=0), another process holding the freeze lock, codes 121/122/124; or \
         an extension log that ends within 5 min of a freeze starting with no thaw (the VM hung frozen). Kernel \
         hung-task or file-system errors within 30 min of the freeze are added as evidence. Lock retries alone are \
         a low-confidence warning."
    }

    fn signals(&self) -> &'static [&'static str] {
        &[
            "freeze.failure",
            "freeze.timeout",
            "freeze.lock-busy",
            "freeze.binary-missing",
            "freeze.start",
            "freeze.end",
            "kernel.hung-task",
            "kernel.fs-error",
        ]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::VmSnapshotLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let failures: Vec<&Signal> =
            cx.any_of(&["freeze.failure", "freeze.timeout", "freeze.binary-missing"]).collect();
        let lock: Vec<&Signal> = cx.named("freeze.lock-busy").collect();
        let lock_gave_up: Vec<&Signal> =
            lock.iter().copied().filter(|s| s.mentions("already freezed")).collect();
        let codes = coded(cx, self.id());
        let status = statuses(cx, self.id());
        let hang = hung_while_frozen(cx);
        let strong = !failures.is_empty()
            || !lock_gave_up.is_empty()
            || !codes.is_empty()
            || !status.is_empty()
            || hang.is_some();
        if !strong && lock.is_empty() {
            return None;
        }
        let mut trail: Vec<&Signal> = failures.iter().chain(&lock).chain(&codes).copied().collect();
        if let Some(h) = hang {
            trail.push(h);
        }
        let kernel = kernel_near(cx, &trail);
        let mut evidence = evidence_of(trail.iter().chain(&kernel).copied());
        evidence.extend(status.iter().map(|s| s.evidence()));
        let mounts: Vec<&str> = failures.iter().filter_map(|s| s.capture("mount")).collect();
        let mut parts = Vec::new();
        if !mounts.is_empty() {
            let mut m = mounts.clone();
            m.dedup();
            parts.push(format!("freeze/thaw failed on {}", m.join(", ")));
        } else if !failures.is_empty() {
            parts.push(count(failures.len(), "freeze failure or time-out line"));
        }
        if !lock_gave_up.is_empty() {
            parts.push("another process held the freeze lock".into());
        } else if !lock.is_empty() {
            parts.push(format!("the freeze lock was busy ({} retries)", lock.len()));
        }
        let mut names = decoded_codes(&codes);
        names.extend(status.iter().filter_map(|s| s.ext_error.clone()));
        names.dedup();
        if !names.is_empty() {
            let d: Vec<String> = names.iter().map(|n| describe_ext_code(n)).collect();
            parts.push(format!("the extension reported {}", d.join(", ")));
        }
        if hang.is_some() {
            parts.push("the extension log ends right after freezing started, with no thaw".into());
        }
        if !kernel.is_empty() {
            parts.push(format!("{} around the freeze", count(kernel.len(), "kernel complaint")));
        }
        let summary = format!("File systems could not be frozen cleanly: {}.", parts.join("; "));
        let (severity, confidence) = if !strong {
            (Some(Severity::Warning), Confidence::Low)
        } else if !failures.is_empty() || !codes.is_empty() || !status.is_empty() || !lock_gave_up.is_empty()
        {
            (None, Confidence::High)
        } else {
            (None, Confidence::Medium)
        };
        Some(Draft { severity, confidence, summary, evidence, error_codes: None })
    }
}

/// The freeze start after which its extension log ends without a thaw, snapshot step or final status.
fn hung_while_frozen<'c>(cx: &'c Context<'_>) -> Option<&'c Signal> {
    let start = cx.named("freeze.start").filter(|s| s.kind == ArtifactKind::VmSnapshotLog).last()?;
    let t = start.time?;
    let progressed = cx.signals.iter().any(|s| {
        s.path == start.path
            && s.time.is_some_and(|st| st >= t)
            && (matches!(
                &*s.name,
                "freeze.end" | "snap.final-status" | "freeze.failure" | "freeze.timeout" | "snap.failure"
            ) || (&*s.name == "snap.step" && s.capture("step").is_some_and(|n| n >= "5")))
    });
    if progressed {
        return None;
    }
    let source_end = cx.sources.iter().find(|src| *src.path == *start.path)?.last?;
    (source_end - t <= Duration::minutes(HANG_TAIL_MINUTES)).then_some(start)
}

fn kernel_near<'c>(cx: &'c Context<'_>, trail: &[&Signal]) -> Vec<&'c Signal> {
    let times: Vec<_> = trail.iter().filter_map(|s| s.time).collect();
    let (Some(first), Some(last)) = (times.iter().min(), times.iter().max()) else { return Vec::new() };
    let w = Duration::minutes(KERNEL_WINDOW_MINUTES);
    cx.any_of(&["kernel.hung-task", "kernel.fs-error"])
        .filter(|s| s.time.is_some_and(|t| t >= *first - w && t <= *last + w))
        .take(10)
        .collect()
}

/// `mount-unopenable`.
pub struct MountUnopenable;

impl Diagnosis for MountUnopenable {
    fn id(&self) -> &'static str {
        "mount-unopenable"
    }

    fn rule(&self) -> &'static str {
        "The freeze helper or extension could not open a mount point ('Failed to open: <mount>', 'file open \
         failed for some mount', code 123). Unresponsive network-file-system servers in the system log within a \
         day are added as evidence."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["mount.open-failure", "snap.status-code", "snap.ext-error", "kernel.mount-unresponsive"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::VmSnapshotLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let failures: Vec<&Signal> = cx.named("mount.open-failure").collect();
        let codes = coded(cx, self.id());
        let status = statuses(cx, self.id());
        if failures.is_empty() && codes.is_empty() && status.is_empty() {
            return None;
        }
        let first = failures.iter().chain(&codes).filter_map(|s| s.time).min();
        let stale: Vec<&Signal> = cx
            .named("kernel.mount-unresponsive")
            .filter(|s| match (s.time, first) {
                (Some(t), Some(f)) => (t - f).num_hours().abs() <= 24,
                _ => true,
            })
            .take(5)
            .collect();
        let mut evidence = evidence_of(failures.iter().chain(&codes).chain(&stale).copied());
        evidence.extend(status.iter().map(|s| s.evidence()));
        let mut mounts: Vec<&str> = failures.iter().filter_map(|s| s.capture("mount")).collect();
        mounts.sort_unstable();
        mounts.dedup();
        let mut summary = if mounts.is_empty() {
            "The backup extension could not open some mount points".to_string()
        } else {
            format!("The backup extension could not open {}", mounts.join(", "))
        };
        if !stale.is_empty() {
            summary.push_str("; the system log shows an unresponsive network file system");
        }
        summary.push('.');
        Some(Draft { severity: None, confidence: Confidence::High, summary, evidence, error_codes: None })
    }
}
