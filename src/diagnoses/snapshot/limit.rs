//! `snapshot-limit-reached`: a disk blob has too many snapshots.

use super::{backup_statuses, coded_lines, status_has};
use crate::diagnoses::Input;
use crate::diagnoses::{evidence_of, Context, Diagnosis, Draft, Signal};
use crate::facts::ExtensionStatusFact;
use crate::intake::ArtifactKind;
use crate::model::Confidence;
use crate::report::words::count;

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

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::VmSnapshotLog), Input::windows(ArtifactKind::PluginLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let direct: Vec<&Signal> = cx.named("storage.snapshot-limit").collect();
        let coded = coded_lines(cx, self.id());
        let statuses: Vec<&ExtensionStatusFact> =
            backup_statuses(cx).filter(|s| status_has(s, self.id())).collect();
        if direct.is_empty() && coded.is_empty() && statuses.is_empty() {
            return None;
        }
        let mut evidence = evidence_of(direct.iter().chain(&coded).copied());
        evidence.extend(statuses.iter().map(|s| s.evidence()));
        let summary = format!(
            "Azure Storage refused the backup's snapshot: a disk blob already has the maximum number of snapshots \
             ({}, {}).",
            count(direct.len() + coded.len(), "log line"),
            count(statuses.len(), "status file")
        );
        Some(Draft { severity: None, confidence: Confidence::High, summary, evidence, error_codes: None })
    }
}
