//! `vcredist-install-failed` and `dotnet-missing`: runtimes the backup extension and the agent need.

use crate::diagnoses::{evidence_of, Context, Diagnosis, Draft, Input, Signal};
use crate::intake::ArtifactKind;
use crate::model::Confidence;
use crate::report::words::count;

/// `vcredist-install-failed`.
pub struct VcRedistInstallFailed;

impl Diagnosis for VcRedistInstallFailed {
    fn id(&self) -> &'static str {
        "vcredist-install-failed"
    }

    fn rule(&self) -> &'static str {
        "Windows Installer failed on a Microsoft Visual C++ runtime (errors, failed installations, non-zero status)."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["win.msi-failure"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::windows(ArtifactKind::Evtx)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let hits: Vec<&Signal> = cx
            .named("win.msi-failure")
            .filter(|s| {
                s.capture("product").is_some_and(|p| p.contains("Visual C++")) || s.mentions("Visual C++")
            })
            .collect();
        if hits.is_empty() {
            return None;
        }
        let summary = format!("Installing the Visual C++ runtime failed {}.", count(hits.len(), "time"));
        Some(Draft {
            severity: None,
            confidence: Confidence::High,
            summary,
            evidence: evidence_of(hits),
            error_codes: None,
        })
    }
}

/// `dotnet-missing`.
pub struct DotnetMissing;

impl Diagnosis for DotnetMissing {
    fn id(&self) -> &'static str {
        "dotnet-missing"
    }

    fn rule(&self) -> &'static str {
        "The Windows agent reports the required .NET Framework (4.5+) missing (RequiredDotNetVersionPresent false, \
         in its logs or the registry), or Windows Installer failed to install .NET Framework."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["agent.dotnet-missing", "win.msi-failure"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::windows(ArtifactKind::WaAppAgentLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let said: Vec<&Signal> = cx.named("agent.dotnet-missing").collect();
        let msi: Vec<&Signal> = cx
            .named("win.msi-failure")
            .filter(|s| {
                s.capture("product").is_some_and(|p| p.contains(".NET Framework"))
                    || s.mentions(".NET Framework")
            })
            .collect();
        let registry = super::facts::dotnet_flag_off(cx);
        if said.is_empty() && msi.is_empty() && registry.is_empty() {
            return None;
        }
        let mut evidence = evidence_of(said.iter().chain(&msi).copied());
        evidence.extend(registry);
        let summary = format!(
            "The guest agent lacks .NET Framework 4.5 or later ({}, {}).",
            count(said.len(), "agent line"),
            count(msi.len(), "failed .NET install")
        );
        Some(Draft { severity: None, confidence: Confidence::High, summary, evidence, error_codes: None })
    }
}
