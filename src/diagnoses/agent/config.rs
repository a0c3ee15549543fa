//! `agent-config-blocks-extensions`: the agent is configured not to run extensions.

use crate::diagnoses::{evidence_of, span, Context, Diagnosis, Draft, Input, Signal};
use crate::intake::ArtifactKind;
use crate::model::Confidence;

/// `agent-config-blocks-extensions`.
pub struct ConfigBlocksExtensions;

impl Diagnosis for ConfigBlocksExtensions {
    fn id(&self) -> &'static str {
        "agent-config-blocks-extensions"
    }

    fn rule(&self) -> &'static str {
        "Extensions.Enabled=n in /etc/waagent.conf (only a literal `n` counts), or the agent logging that it \
         will not process extensions, or an extension policy refusing them."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["config.extensions-disabled", "config.extension-policy"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::WaagentConf)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let conf = cx.facts.waagent_conf.as_ref();
        let conf_off = conf.filter(|c| c.config.switch("Extensions.Enabled") == Some(false));
        let logged: Vec<&Signal> = cx.named("config.extensions-disabled").collect();
        let policy: Vec<&Signal> = cx.named("config.extension-policy").collect();
        if conf_off.is_none() && logged.is_empty() && policy.is_empty() {
            return None;
        }
        let mut evidence = Vec::new();
        if let Some(e) = conf_off.and_then(|c| c.evidence("Extensions.Enabled")) {
            evidence.push(e);
        }
        evidence.extend(evidence_of(logged.iter().copied()));
        evidence.extend(evidence_of(policy.iter().copied()));
        let summary = match (conf_off.is_some(), logged.is_empty(), policy.is_empty()) {
            (true, false, _) => {
                "Extensions.Enabled=n in waagent.conf and the agent confirms it skips extensions.".to_string()
            }
            (true, true, _) => {
                "Extensions.Enabled=n in waagent.conf: the agent will not run the backup extension."
                    .to_string()
            }
            (false, false, _) => "The agent logs that extension processing is disabled.".to_string(),
            (false, true, _) => "An extension policy stops the agent from processing extensions.".to_string(),
        };
        let confidence =
            if conf_off.is_some() || !logged.is_empty() { Confidence::High } else { Confidence::Medium };
        let _ = span(&logged);
        Some(Draft { severity: None, confidence, summary, evidence, error_codes: None })
    }
}
