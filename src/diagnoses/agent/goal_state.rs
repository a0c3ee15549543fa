//! `agent-goal-state-failing` and `agent-protocol-not-ready`: the agent cannot get or process its goal state
//! although the server answers, or never gets an endpoint at all.

use chrono::Duration;

use crate::diagnoses::{
    answered_status, attempts, covered_span, distinct_events, evidence_of, latest_after, network, Context,
    Diagnosis, Draft, Input, Signal,
};
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Severity};
use crate::report::words::count;
use crate::timeline::human_duration;

/// Goal-state processing failures this many times, or spanning `GOAL_STATE_MINUTES`, are an error.
const GOAL_STATE_REPEATS: usize = 3;
const GOAL_STATE_MINUTES: i64 = 10;

/// Signals of the agent failing on its goal state where the server answered (so not a network failure).
const GOAL_STATE_FAILURES: &[&str] =
    &["agent.goal-state-broken", "goal-state.server-error", "goal-state.invalid", "hostplugin.failure"];

/// The distinct goal-state failures of a bundle: the agent's own processing errors, documents the server
/// refused or that do not parse, HostGAPlugin channel errors, and WireServer calls answered with an HTTP
/// error. A 410 Gone during a refresh is routine and left out.
pub fn goal_state_failures<'s>(cx: &'s Context<'_>) -> Vec<&'s Signal> {
    // Processing errors whose cause is the network (a socket errno, throttling) belong to
    // wireserver-unreachable; failures on the certificate files follow from certificates the agent cannot
    // decrypt and belong to that finding.
    let network_caused = |s: &&Signal| {
        s.capture("errno").is_some() || answered_status(s).is_some_and(crate::diagnoses::is_throttling_status)
    };
    let certificates_failing = cx.any_of(&["settings.undecryptable", "agent.cert-failure"]).next().is_some();
    let about_certificates = |s: &&Signal| {
        certificates_failing
            && (s.capture("os_errno").is_some()
                || ["Certificates.pem", "Certificates.p7m", "Certificates.xml", "certificates"]
                    .iter()
                    .any(|c| s.mentions(c)))
    };
    let wire = network::wire_failures_by_cause(cx).1.into_iter().filter(|s| answered_status(s) != Some(410));
    let own = cx
        .any_of(GOAL_STATE_FAILURES)
        .filter(|s| answered_status(s) != Some(410))
        .filter(|s| !network_caused(s));
    let mut all: Vec<&Signal> = own.chain(wire).filter(|s| !about_certificates(s)).collect();
    all.sort_by_key(|s| (s.time.is_none(), s.time, s.path.clone(), s.line));
    distinct_events(&all)
}

/// `agent-goal-state-failing`.
pub struct GoalStateFailing;

impl Diagnosis for GoalStateFailing {
    fn id(&self) -> &'static str {
        "agent-goal-state-failing"
    }

    fn rule(&self) -> &'static str {
        "The agent cannot process goal states: its own goal-state files are missing or stale, it hits exceptions \
         processing extensions, the WireServer or HostGAPlugin answers a goal-state document with an HTTP error \
         (400/403/404/500; 410 Gone during a refresh is routine), or a document is malformed. Telemetry mirrors \
         count once. 3+ distinct failures or a span of 10 min or more (a periodic summary stands for its hour) \
         is an error, lowered to a warning when a goal state is fetched afterwards; fewer is a warning, and a \
         single one followed by a fetched goal state is nothing."
    }

    fn signals(&self) -> &'static [&'static str] {
        &[
            "agent.goal-state-broken",
            "goal-state.server-error",
            "goal-state.invalid",
            "hostplugin.failure",
            "wire.failure",
            "wire.goal-state-failure",
            "wire.status-upload-failure",
            "agent.goal-state-ok",
        ]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::WaagentLog), Input::windows(ArtifactKind::WaAppAgentLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let broken = goal_state_failures(cx);
        if broken.is_empty() {
            return None;
        }
        let lasting = covered_span(&broken);
        let persistent =
            broken.len() >= GOAL_STATE_REPEATS || lasting >= Duration::minutes(GOAL_STATE_MINUTES);
        let last = broken.iter().filter_map(|s| s.time).max();
        let recovered = last.and_then(|l| latest_after(cx, &["agent.goal-state-ok", "wire.recovered"], l));
        let only_host_plugin = broken.iter().all(|s| &*s.name == "hostplugin.failure");
        if !persistent && recovered.is_some() && (broken.len() == 1 || only_host_plugin) {
            return None;
        }
        let stale = broken.iter().any(|s| s.mentions("is missing"));
        let statuses: Vec<String> = {
            let mut v: Vec<String> =
                broken.iter().filter_map(|s| answered_status(s)).map(|c| c.to_string()).collect();
            v.sort();
            v.dedup();
            v
        };
        let invalid = broken.iter().any(|s| &*s.name == "goal-state.invalid");
        let only_status = broken.iter().all(|s| &*s.name == "wire.status-upload-failure");
        let what = if only_status {
            "The agent could not upload its status (the WireServer answers goal-state requests, so the \
             HostGAPlugin or the status blob refuses it)"
        } else {
            "The agent failed to get or process its goal state"
        };
        let mut summary = format!(
            "{what} {}{}",
            count(broken.len(), "time"),
            if lasting > Duration::zero() {
                format!(" over {}", human_duration(lasting))
            } else {
                String::new()
            }
        );
        if !statuses.is_empty() {
            summary.push_str(&format!(
                "; the server answered HTTP {} (the network path works: this is a goal-state or settings \
                 problem, not a firewall one)",
                statuses.join("/")
            ));
        }
        if invalid {
            summary.push_str("; a goal-state document is malformed");
        }
        if only_host_plugin {
            summary.push_str("; every failure is on the HostGAPlugin channel (port 32526)");
        }
        if stale {
            summary.push_str("; its goal-state files under /var/lib/waagent are missing or stale");
        }
        if let Some(errno) = broken.iter().find_map(|s| s.capture("os_errno")) {
            summary.push_str(&format!(
                "; the agent cannot read or write its own goal-state files ([Errno {errno}]: check permissions, \
                 free space and the file system of /var/lib/waagent)"
            ));
        }
        if recovered.is_some() {
            summary.push_str("; it fetched a goal state again afterwards");
        }
        summary.push('.');
        let (severity, confidence) = match (persistent, recovered.is_some()) {
            (true, false) => (Severity::Error, Confidence::High),
            (true, true) => (Severity::Warning, Confidence::Medium),
            (false, _) => (Severity::Warning, Confidence::Low),
        };
        let mut evidence = evidence_of(broken);
        evidence.extend(evidence_of(recovered));
        Some(Draft { severity: Some(severity), confidence, summary, evidence, error_codes: None })
    }
}

/// `agent-protocol-not-ready`.
pub struct ProtocolNotReady;

impl Diagnosis for ProtocolNotReady {
    fn id(&self) -> &'static str {
        "agent-protocol-not-ready"
    }

    fn rule(&self) -> &'static str {
        "The agent keeps retrying protocol / endpoint detection and never obtains an endpoint or a goal state \
         afterwards. Steps aside when wireserver-unreachable, dhcp-disabled or agent-goal-state-failing already \
         explains it (the cause is named there). 3+ distinct retries or 10 min: error; fewer: warning."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["agent.protocol-not-ready", "agent.endpoint-obtained", "agent.goal-state-ok"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::WaagentLog)] }
    }

    fn reads(&self) -> &'static [&'static str] {
        &["wireserver-unreachable", "dhcp-disabled", "agent-goal-state-failing"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let raw: Vec<&Signal> = cx.named("agent.protocol-not-ready").collect();
        let retries = distinct_events(&raw);
        let last = retries.iter().filter_map(|s| s.time).max()?;
        if latest_after(cx, &["agent.endpoint-obtained", "agent.goal-state-ok"], last).is_some() {
            return None;
        }
        if ["wireserver-unreachable", "dhcp-disabled", "agent-goal-state-failing"]
            .iter()
            .any(|id| cx.decided(id).is_some_and(|s| s <= Severity::Warning))
        {
            return None;
        }
        let lasting = covered_span(&retries);
        let counter = retries.iter().filter_map(|s| attempts(s)).max().unwrap_or(0);
        let persistent = retries.len() >= GOAL_STATE_REPEATS
            || lasting >= Duration::minutes(GOAL_STATE_MINUTES)
            || counter >= GOAL_STATE_REPEATS as u64;
        let mut summary = format!(
            "The agent retried protocol detection {}{} and never obtained the WireServer endpoint or a \
             goal state afterwards",
            count(retries.len(), "time"),
            if lasting > Duration::zero() {
                format!(" over {}", human_duration(lasting))
            } else {
                String::new()
            }
        );
        if counter > 0 {
            summary.push_str(&format!(" (its retry counter reached {counter})"));
        }
        summary.push('.');
        let (severity, confidence) = if persistent {
            (Severity::Error, Confidence::Medium)
        } else {
            (Severity::Warning, Confidence::Low)
        };
        Some(Draft {
            severity: Some(severity),
            confidence,
            summary,
            evidence: evidence_of(retries),
            error_codes: None,
        })
    }
}
