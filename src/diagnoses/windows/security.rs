//! `antivirus-interference` and `app-control-block`: Defender, AppLocker or WDAC acting on the backup
//! extension's files.

use super::{failing_statuses, is_backup_path};
use crate::diagnoses::Input;
use crate::diagnoses::{evidence_of, Context, Diagnosis, Draft, Signal};
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Severity};
use crate::report::words::count;

/// `antivirus-interference`.
pub struct AntivirusInterference;

impl Diagnosis for AntivirusInterference {
    fn id(&self) -> &'static str {
        "antivirus-interference"
    }

    fn rule(&self) -> &'static str {
        "Microsoft Defender detected, quarantined or failed to clean a file of the backup extension (1006-1008, \
         1015, 1116-1119 whose Path is under the VMSnapshot plugin folders or is IaaSBcdrExtension.exe). Detections \
         of other files never count. Defender exclusion changes (5007) are reported as evidence: whether the plugin \
         folders are excluded."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["win.av-detection", "win.av-config"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::windows(ArtifactKind::Evtx)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let hits: Vec<&Signal> =
            cx.named("win.av-detection").filter(|s| s.capture("path").is_some_and(is_backup_path)).collect();
        if hits.is_empty() {
            return None;
        }
        let exclusions: Vec<&Signal> =
            cx.named("win.av-config").filter(|s| s.mentions("Exclusions")).collect();
        let excluded = exclusions.iter().any(|s| s.capture("new").is_some_and(is_backup_path))
            || super::facts::defender_path_exclusions(cx).iter().any(|p| is_backup_path(p));
        let mut evidence = evidence_of(hits.iter().copied());
        evidence.extend(evidence_of(exclusions.iter().take(5).copied()));
        evidence.extend(failing_statuses(cx));
        let mut paths: Vec<&str> = hits.iter().filter_map(|s| s.capture("path")).collect();
        paths.sort_unstable();
        paths.dedup();
        let summary = format!(
            "Microsoft Defender acted on the backup extension's files ({}); {}.",
            paths.join(", "),
            if excluded {
                "an exclusion for the plugin folder was added at some point"
            } else {
                "no Defender exclusion covers the VMSnapshot plugin folders"
            }
        );
        Some(Draft { severity: None, confidence: Confidence::High, summary, evidence, error_codes: None })
    }
}

/// `app-control-block`.
pub struct AppControlBlock;

impl Diagnosis for AppControlBlock {
    fn id(&self) -> &'static str {
        "app-control-block"
    }

    fn rule(&self) -> &'static str {
        "AppLocker (8004/8007 blocked, 8003/8006 audit) or Windows Defender Application Control (3077 blocked, 3076 \
         audit) acting on IaaSBcdrExtension.exe or the VMSnapshot plugin folder. Blocks are errors; audit-only \
         events are warnings."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["win.app-control"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::windows(ArtifactKind::Evtx)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let hits: Vec<&Signal> = cx
            .named("win.app-control")
            .filter(|s| s.capture("path").is_some_and(is_backup_path) || s.about_backup)
            .collect();
        if hits.is_empty() {
            return None;
        }
        let blocked =
            hits.iter().any(|s| [" 8004 ", " 8007 ", " 3077 "].iter().any(|id| s.text.contains(id)));
        let mut evidence = evidence_of(hits.iter().copied());
        evidence.extend(failing_statuses(cx));
        let (severity, confidence, verb) = if blocked {
            (Severity::Error, Confidence::High, "blocked")
        } else {
            (Severity::Warning, Confidence::Medium, "audited (would block)")
        };
        let summary =
            format!("Application control {verb} IaaSBcdrExtension.exe {}.", count(hits.len(), "time"));
        Some(Draft { severity: Some(severity), confidence, summary, evidence, error_codes: None })
    }
}
