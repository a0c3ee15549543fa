//! `extension-settings-undecryptable`: protected settings or the goal state's certificates cannot be
//! decrypted.

use crate::catalog::Catalog;
use crate::diagnoses::{evidence_of, Context, Diagnosis, Draft, Input, Signal};
use crate::facts::ExtensionStatusFact;
use crate::intake::ArtifactKind;
use crate::model::Confidence;
use crate::report::words::count;

/// `extension-settings-undecryptable`.
pub struct SettingsUndecryptable;

impl Diagnosis for SettingsUndecryptable {
    fn id(&self) -> &'static str {
        "extension-settings-undecryptable"
    }

    fn rule(&self) -> &'static str {
        "The backup extension (or the agent for it) cannot decrypt protected settings or load their certificate, \
         it ends with FailedHandlerGuestAgentCertificateNotFound (16), or the agent cannot decrypt the goal \
         state's certificates (CMS / .p7m, no supported cipher)."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["snap.settings-undecryptable", "settings.undecryptable", "snap.status-code", "snap.ext-error"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::VmSnapshotLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let direct: Vec<&Signal> = cx
            .named("snap.settings-undecryptable")
            .filter(|s| s.is_backup_extension() || s.kind == crate::intake::ArtifactKind::VmSnapshotLog)
            .collect();
        let codes = Catalog::get().codes_of(self.id());
        let coded: Vec<&Signal> = cx
            .any_of(&["snap.status-code", "snap.ext-error"])
            .filter(|s| s.capture("ext_code").is_some_and(|c| codes.has_error_name(c)))
            .collect();
        let statuses: Vec<&ExtensionStatusFact> = cx
            .facts
            .extension_statuses
            .iter()
            .filter(|s| s.is_backup_extension() && s.status == "error")
            .filter(|s| {
                s.ext_error.as_deref().is_some_and(|e| codes.has_error_name(e))
                    || s.code.is_some_and(|c| codes.has_status_code(c))
            })
            .collect();
        // The agent failing to decrypt the goal state's certificates leaves every extension's protected
        // settings unreadable, the backup extension's included.
        let raw_agent: Vec<&Signal> = cx.named("settings.undecryptable").collect();
        let agent_side = crate::diagnoses::distinct_events(&raw_agent);
        if direct.is_empty() && coded.is_empty() && statuses.is_empty() && agent_side.is_empty() {
            return None;
        }
        let mut evidence = evidence_of(direct.iter().chain(&coded).chain(&agent_side).copied());
        evidence.extend(statuses.iter().map(|s| s.evidence()));
        let extension_side = !(direct.is_empty() && coded.is_empty() && statuses.is_empty());
        let mut summary = if !extension_side {
            format!(
                "The agent could not decrypt the certificates of its goal state ({}), so no extension can \
                 read its protected settings",
                count(agent_side.len(), "time")
            )
        } else {
            format!(
                "The backup extension could not decrypt its protected settings ({}, {})",
                count(direct.len() + coded.len(), "log line"),
                count(statuses.len(), "status file")
            )
        };
        if extension_side && !agent_side.is_empty() {
            summary.push_str("; the agent failed to decrypt the goal state's certificates too");
        }
        summary.push('.');
        Some(Draft { severity: None, confidence: Confidence::High, summary, evidence, error_codes: None })
    }
}
