//! `snapshot-timeout`: the backup run never reached a final state in time.

use chrono::Duration;

use super::{backup_statuses, coded_lines, status_has};
use crate::diagnoses::extensions::extension_of;
use crate::diagnoses::Input;
use crate::diagnoses::{evidence_of, Context, Diagnosis, Draft, Signal};
use crate::facts::{is_backup_extension, ExtensionStatusFact};
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Evidence};
use crate::report::words::count;
use crate::timeline::human_duration;

/// A run not finished this long after it started (or after its last status) has timed out.
const STUCK_HOURS: i64 = 2;

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

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::VmSnapshotLog), Input::windows(ArtifactKind::WaAppAgentLog)] }
    }

    fn reads(&self) -> &'static [&'static str] {
        &["fsfreeze-failed"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let explicit: Vec<&Signal> = cx.named("snap.timeout").collect();
        let killed: Vec<&Signal> = cx
            .named("ext.timeout")
            .filter(|s| s.is_backup_extension() || extension_of(s).is_some_and(|n| is_backup_extension(&n)))
            .collect();
        let stuck: Vec<&Signal> = cx.named("ext.stuck").filter(|s| s.is_backup_extension()).collect();
        let late = coded_lines(cx, self.id());
        let late_status: Vec<&ExtensionStatusFact> =
            backup_statuses(cx).filter(|s| status_has(s, self.id())).collect();
        let transitioning =
            if cx.decided("fsfreeze-failed").is_some() { None } else { stuck_transitioning(cx) };
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
            parts
                .push(format!("the agent timed out the extension's command {}", count(killed.len(), "time")));
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
    Some((evidence, format!("{} (until {})", human_duration(waited), crate::model::human_time(reference))))
}
