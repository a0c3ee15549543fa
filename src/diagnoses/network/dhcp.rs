//! `dhcp-disabled`: static addressing in the guest, or DHCP failures nothing later resolved.

use chrono::Duration;

use super::{seen_briefly, unresolved_dhcp_failures, SUSTAINED_MINUTES, SUSTAINED_MIN_COUNT};
use crate::diagnoses::Input;
use crate::diagnoses::{covered_span, distinct_events, evidence_of, Context, Diagnosis, Draft, Signal};
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Evidence, Severity};
use crate::report::words::count;

/// `dhcp-disabled`.
pub struct DhcpDisabled;

impl Diagnosis for DhcpDisabled {
    fn id(&self) -> &'static str {
        "dhcp-disabled"
    }

    fn rule(&self) -> &'static str {
        "A static address on a guest NIC (ifcfg BOOTPROTO, netplan dhcp4, interfaces 'inet static'), or the \
         agent's DHCP failures (no DHCP response, no route to 168.63.129.16, hard-coded endpoint fallback) that \
         nothing later resolved: a DHCP rerun or missing route at boot followed by an obtained endpoint or a \
         fetched goal state is routine. 'Dhcp client is not running' and 'endpoint not found' only add weight."
    }

    fn signals(&self) -> &'static [&'static str] {
        &[
            "dhcp.failure",
            "dhcp.route-missing",
            "dhcp.client-not-running",
            "dhcp.endpoint-not-found",
            "agent.protocol-not-ready",
            "agent.endpoint-obtained",
            "agent.goal-state-ok",
        ]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::WaagentLog), Input::windows(ArtifactKind::Evtx)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let static_nics: Vec<_> = cx.facts.network.iter().filter(|n| !n.dhcp).collect();
        let static_registry = crate::diagnoses::windows::facts::static_interfaces(cx);
        // A DHCP rerun or a missing route at boot that the agent then resolved (endpoint obtained, goal state
        // fetched) is routine; only failures nothing resolved count.
        let failures: Vec<&Signal> = distinct_events(&unresolved_dhcp_failures(cx));
        if static_nics.is_empty() && failures.is_empty() && static_registry.is_empty() {
            return None;
        }
        let weak: Vec<&Signal> = cx
            .any_of(&["dhcp.client-not-running", "dhcp.endpoint-not-found", "agent.protocol-not-ready"])
            .take(10)
            .collect();
        let mut evidence: Vec<Evidence> = static_nics
            .iter()
            .map(|n| Evidence {
                path: n.path.clone(),
                line: Some(n.line),
                record_id: None,
                timestamp: None,
                text: n.text.clone(),
            })
            .collect();
        evidence.extend(evidence_of(failures.iter().chain(&weak).copied()));
        evidence.extend(static_registry.iter().cloned());
        let mut parts = Vec::new();
        if !static_registry.is_empty() {
            parts
                .push(format!("{} with DHCP off in the registry", count(static_registry.len(), "interface")));
        }
        if !static_nics.is_empty() {
            let names: Vec<String> =
                static_nics.iter().map(|n| n.interface.clone().unwrap_or_else(|| "a NIC".into())).collect();
            parts.push(format!("static addressing configured for {}", names.join(", ")));
        }
        if !failures.is_empty() {
            parts.push(format!(
                "{} in the agent log",
                count(failures.len(), "DHCP / endpoint-discovery failure")
            ));
        }
        let has_log_signs = !failures.is_empty() || !weak.is_empty();
        let confidence =
            if !static_nics.is_empty() && has_log_signs { Confidence::High } else { Confidence::Medium };
        let brief = static_nics.is_empty()
            && static_registry.is_empty()
            && failures.len() < SUSTAINED_MIN_COUNT
            && covered_span(&failures) < Duration::minutes(SUSTAINED_MINUTES);
        let mut summary = format!("DHCP is not serving the guest: {}", parts.join("; "));
        if brief {
            summary.push_str(&format!(" ({})", seen_briefly(covered_span(&failures))));
        }
        summary.push('.');
        let (severity, confidence) =
            if brief { (Some(Severity::Warning), Confidence::Low) } else { (None, confidence) };
        Some(Draft { severity, confidence, summary, evidence, error_codes: None })
    }
}
