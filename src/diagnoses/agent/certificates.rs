//! `agent-certificates-failing`: the agent's own certificate set-up fails.

use chrono::Duration;

use crate::diagnoses::{
    covered_span, distinct_events, evidence_of, Context, Diagnosis, Draft, Input, Signal,
};
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Severity};
use crate::report::words::count;
use crate::timeline::human_duration;

/// `agent-certificates-failing`.
pub struct CertificatesFailing;

impl Diagnosis for CertificatesFailing {
    fn id(&self) -> &'static str {
        "agent-certificates-failing"
    }

    fn rule(&self) -> &'static str {
        "The agent's own certificate set-up fails (transport certificate generation, openssl errors, the goal \
         state's certificates not retrievable). Telemetry mirrors count once; 2+ distinct failures: error; one: \
         warning. Certificates without a private key are routine."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["agent.cert-failure"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::WaagentLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        // A certificate payload that cannot be decrypted is extension-settings-undecryptable's; the same record
        // is not a second finding.
        let undecryptable: Vec<(&str, Option<u32>)> =
            cx.named("settings.undecryptable").map(|s| (&*s.path, s.line)).collect();
        let raw: Vec<&Signal> =
            cx.named("agent.cert-failure").filter(|s| !undecryptable.contains(&(&*s.path, s.line))).collect();
        let failures = distinct_events(&raw);
        if failures.is_empty() {
            return None;
        }
        let lasting = covered_span(&failures);
        let summary = format!(
            "The agent failed to set up its certificates {}{}: without them it cannot decrypt extension \
             settings or talk securely to the WireServer.",
            count(failures.len(), "time"),
            if lasting > Duration::zero() {
                format!(" over {}", human_duration(lasting))
            } else {
                String::new()
            }
        );
        let (severity, confidence) = if failures.len() >= 2 {
            (Severity::Error, Confidence::Medium)
        } else {
            (Severity::Warning, Confidence::Low)
        };
        Some(Draft {
            severity: Some(severity),
            confidence,
            summary,
            evidence: evidence_of(failures),
            error_codes: None,
        })
    }
}
