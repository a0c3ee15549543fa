//! `agent-outdated`: an agent version below what Azure supports, or stale with automatic updates off.

use crate::diagnoses::{evidence_of, Context, Diagnosis, Draft, Input, Signal};
use crate::facts::version::compare_versions;
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Severity};

/// Oldest Linux agent version Azure supports.
pub const MIN_SUPPORTED_LINUX_AGENT: &str = "2.2.10";
/// Versions below this, with auto-update off, are too far behind to trust with extensions.
pub const STALE_LINUX_AGENT: &str = "2.2.53";
/// Oldest Windows guest agent (WaAppAgent.exe) the backup documentation accepts.
pub const MIN_SUPPORTED_WINDOWS_AGENT: &str = "2.6.1198.718";

/// `agent-outdated`.
pub struct AgentOutdated;

impl Diagnosis for AgentOutdated {
    fn id(&self) -> &'static str {
        "agent-outdated"
    }

    fn rule(&self) -> &'static str {
        "The newest version reported by the agent that runs extensions (else the daemon) is below 2.2.10 on \
         Linux or 2.6.1198.718 on Windows (unsupported: error), or, on Linux, below 2.2.53 while automatic \
         updates are off in waagent.conf or the heartbeat (warning)."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["agent.version", "agent.autoupdate-disabled", "agent.update-failed"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::WaagentLog), Input::windows(ArtifactKind::WaAppAgentLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let versions = &cx.facts.agent_versions;
        let current = cx
            .facts
            .goal_state_agent()
            .or_else(|| versions.iter().max_by(|a, b| a.seen_at.cmp(&b.seen_at)))?;
        let v = current.version.as_str();
        let mut evidence = vec![current.evidence.clone()];
        let conf_off = cx.facts.waagent_conf.as_ref().and_then(|c| {
            ["AutoUpdate.Enabled", "AutoUpdate.UpdateToLatestVersion"]
                .into_iter()
                .find(|k| c.config.switch(k) == Some(false))
                .and_then(|k| c.evidence(k))
        });
        let heartbeat_off = versions.iter().rev().find(|s| s.auto_update == Some(false));
        let said_off: Vec<&Signal> = cx.named("agent.autoupdate-disabled").collect();
        let auto_update_off = conf_off.is_some() || heartbeat_off.is_some() || !said_off.is_empty();
        if let Some(e) = conf_off {
            evidence.push(e);
        }
        if let Some(h) = heartbeat_off {
            evidence.push(h.evidence.clone());
        }
        evidence.extend(evidence_of(said_off.iter().take(3).copied()));
        evidence.extend(evidence_of(cx.named("agent.update-failed").take(5)));
        let minimum = if cx.windows { MIN_SUPPORTED_WINDOWS_AGENT } else { MIN_SUPPORTED_LINUX_AGENT };
        if compare_versions(v, minimum).is_lt() {
            let mut summary = format!("The agent runs version {v}, below the oldest supported {minimum}");
            if auto_update_off {
                summary.push_str(", and automatic updates are off");
            }
            summary.push('.');
            return Some(Draft {
                severity: Some(Severity::Error),
                confidence: Confidence::High,
                summary,
                evidence,
                error_codes: None,
            });
        }
        if !cx.windows && auto_update_off && compare_versions(v, STALE_LINUX_AGENT).is_lt() {
            return Some(Draft {
                severity: Some(Severity::Warning),
                confidence: Confidence::Medium,
                summary: format!(
                    "The agent runs version {v} with automatic updates off, so it stays below {STALE_LINUX_AGENT} \
                     and misses fixes extensions rely on."
                ),
                evidence,
                error_codes: None,
            });
        }
        None
    }
}
