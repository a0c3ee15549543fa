//! `extension-failed`: an extension other than the backup extension is in error.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{extension_of, plugin_of_path};
use crate::diagnoses::Input;
use crate::diagnoses::{evidence_of, Context, Diagnosis, Draft, Signal};
use crate::facts::{is_backup_extension, ExtensionStatusFact};
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Severity};
use crate::report::words::plural;

/// `extension-failed`.
pub struct ExtensionFailed;

impl Diagnosis for ExtensionFailed {
    fn id(&self) -> &'static str {
        "extension-failed"
    }

    fn rule(&self) -> &'static str {
        "An extension other than the backup extension failed (agent failure events, non-zero exits, time-outs, \
         download failures) or its latest status file is in error. Failures followed by a newer successful status \
         of the same extension are reported as a warning."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["ext.failure", "ext.nonzero-exit", "ext.timeout", "ext.plugin-failure"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::WaagentLog), Input::windows(ArtifactKind::WaAppAgentLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let mut by_ext: BTreeMap<String, Vec<&Signal>> = BTreeMap::new();
        // Versions named by Windows plugin-log paths (or a signature's `version` capture), for the summary.
        let mut versions: BTreeMap<String, String> = BTreeMap::new();
        for s in cx.any_of(&["ext.failure", "ext.nonzero-exit", "ext.timeout", "ext.plugin-failure"]) {
            let Some(name) = extension_of(s) else { continue };
            if is_backup_extension(&name) || name.starts_with("WALinuxAgent") || name == "WALA" {
                continue;
            }
            if &*s.name == "ext.plugin-failure" {
                let version = s.capture("version").or_else(|| plugin_of_path(s).and_then(|(_, v)| v));
                if let Some(v) = version {
                    versions.insert(name.clone(), v.to_string());
                }
            }
            by_ext.entry(name).or_default().push(s);
        }
        let latest = cx.facts.latest_statuses();
        let failing_status: Vec<&ExtensionStatusFact> =
            latest.iter().copied().filter(|s| !s.is_backup_extension() && s.status == "error").collect();
        for s in &failing_status {
            by_ext.entry(s.handler.clone()).or_default();
        }
        if by_ext.is_empty() {
            return None;
        }
        let mut evidence = Vec::new();
        let mut unresolved = Vec::new();
        let mut resolved = Vec::new();
        for (name, signals) in &by_ext {
            evidence.extend(evidence_of(signals.iter().copied()));
            let status = latest.iter().find(|s| s.handler.eq_ignore_ascii_case(name));
            if let Some(s) = status {
                evidence.push(s.evidence());
            }
            let last_failure: Option<DateTime<Utc>> = signals.iter().filter_map(|s| s.time).max();
            let healed = status.is_some_and(|s| {
                s.status == "success" && s.time.zip(last_failure).is_some_and(|(st, f)| st > f)
            });
            let named = match versions.get(name) {
                Some(v) => format!("{name} {v}"),
                None => name.clone(),
            };
            if healed {
                resolved.push(named);
            } else {
                unresolved.push(named);
            }
        }
        let (severity, summary) = if unresolved.is_empty() {
            (
                Severity::Warning,
                format!(
                    "{} failed earlier and {} since succeeded: {}.",
                    if resolved.len() == 1 { "An extension" } else { "Extensions" },
                    if resolved.len() == 1 { "has" } else { "have" },
                    resolved.join(", ")
                ),
            )
        } else {
            (
                Severity::Error,
                format!("{} in error: {}.", plural(unresolved.len(), "Extension"), unresolved.join(", ")),
            )
        };
        let confidence = if failing_status.is_empty() { Confidence::Medium } else { Confidence::High };
        Some(Draft { severity: Some(severity), confidence, summary, evidence, error_codes: None })
    }
}
