//! `vm-provisioning-failed`: provisioning the VM failed and never finished afterwards.

use crate::diagnoses::{
    distinct_events, evidence_of, latest_after, Context, Diagnosis, Draft, Input, Signal,
};
use crate::intake::ArtifactKind;
use crate::model::Confidence;
use crate::report::words::count;

/// `vm-provisioning-failed`.
pub struct ProvisioningFailed;

impl Diagnosis for ProvisioningFailed {
    fn id(&self) -> &'static str {
        "vm-provisioning-failed"
    }

    fn rule(&self) -> &'static str {
        "The agent (or cloud-init under it) logs that provisioning the VM failed, and no later line says \
         provisioning finished."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["agent.provisioning-failed", "agent.provisioned"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::WaagentLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let raw: Vec<&Signal> = cx.named("agent.provisioning-failed").collect();
        let failures = distinct_events(&raw);
        let last = failures.iter().filter_map(|s| s.time).max();
        if failures.is_empty() {
            return None;
        }
        if last.and_then(|l| latest_after(cx, &["agent.provisioned"], l)).is_some() {
            return None;
        }
        let summary = format!(
            "Provisioning the VM failed ({}) and never finished afterwards: the VM is left in a failed \
             provisioning state.",
            count(failures.len(), "time")
        );
        Some(Draft {
            severity: None,
            confidence: Confidence::High,
            summary,
            evidence: evidence_of(failures),
            error_codes: None,
        })
    }
}
