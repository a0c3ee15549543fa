//! `wireserver-unreachable`: calls to 168.63.129.16 failing at the network level.

use crate::catalog::Catalog;
use crate::report::words::count;
use chrono::Duration;

use super::{
    seen_briefly, unresolved_dhcp_failures, wire_failure_kind, wire_failures_by_cause, wire_network_failures,
    WireFailure, SUSTAINED_MINUTES, SUSTAINED_MIN_COUNT,
};
use crate::diagnoses::Input;
use crate::diagnoses::{
    attempts, covered_span, distinct_events, evidence_of, is_periodic, Context, Diagnosis, Draft, Signal,
};
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Evidence, Severity};
use crate::timeline::human_duration;

/// This many distinct WireServer failures, or failures covering `SUSTAINED_MINUTES`, are an outage, not a blip.
const SUSTAINED_COUNT: usize = 5;
/// A retry counter this high inside one record (`retry=332`, `UpdateGSErrors: 57`) is itself a lasting outage.
const SUSTAINED_ATTEMPTS: u64 = 25;
/// One failed call whose own line says it was tried this often is unambiguous, however brief.
const UNAMBIGUOUS_ATTEMPTS: u64 = 3;
/// Signals proving the agent got what it asked the WireServer for.
const WIRE_SUCCESSES: &[&str] = &["wire.recovered", "agent.goal-state-ok"];

/// `wireserver-unreachable`.
pub struct WireServerUnreachable;

impl Diagnosis for WireServerUnreachable {
    fn id(&self) -> &'static str {
        "wireserver-unreachable"
    }

    fn rule(&self) -> &'static str {
        "Calls to 168.63.129.16 failing at the network level (refused, reset, timed out, no route to host, network \
         unreachable) or throttled (429/503); an HTTP error the server answered with is a goal-state failure, not \
         this. Telemetry mirrors of a line count once. Sustained (the agent says it is still failing, a periodic \
         summary, 5+ failures, 3+ spanning 10 min, or a retry counter of 25+): error; seen only briefly but \
         unambiguous (2+ failures, no route to host, a call that failed after 3+ attempts, or one the bundle \
         ends on): warning with how long it was seen; one failure followed by a fetched goal state: nothing. A \
         later 'recovered' line or fetched goal state lowers a sustained outage to a warning. The backup \
         extension failing to reach the host snapshot service through it (host status 555-558) counts too."
    }

    fn signals(&self) -> &'static [&'static str] {
        &[
            "wire.failure",
            "wire.unreachable",
            "wire.throttled",
            "wire.goal-state-failure",
            "wire.status-upload-failure",
            "wire.sustained",
            "wire.vmsnapshot-host-failure",
            "snap.host-status",
            "wire.recovered",
            "agent.goal-state-ok",
            "agent.heartbeat",
            "dhcp.failure",
            "dhcp.route-missing",
        ]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::WaagentLog), Input::windows(ArtifactKind::WaAppAgentLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let failures = wire_network_failures(cx);
        let host_path_codes = Catalog::get().codes_of(self.id());
        let host_path: Vec<&Signal> = cx
            .named("wire.vmsnapshot-host-failure")
            .chain(
                cx.named("snap.host-status")
                    .filter(|s| s.capture("code").is_some_and(|c| host_path_codes.has_host_status(c))),
            )
            .collect();
        if failures.is_empty() && host_path.is_empty() {
            return never_routed(cx);
        }
        let unreachable: Vec<&Signal> =
            failures.iter().copied().filter(|s| wire_failure_kind(s) == WireFailure::Unreachable).collect();
        let throttled = failures.iter().filter(|s| wire_failure_kind(s) == WireFailure::Throttled).count();
        // Before mirrors are merged: one record can be both a failure and the agent's "still failing".
        let still =
            wire_failures_by_cause(cx).0.iter().any(|s| &*s.name == "wire.sustained" || is_periodic(s));
        let last_failure = failures.iter().chain(&host_path).filter_map(|s| s.time).max();
        // The heartbeat's goal-state error counter after the first failure says the fetches kept failing.
        let first_failure = failures.iter().filter_map(|s| s.time).min();
        let heartbeat_errors: u64 = cx
            .named("agent.heartbeat")
            .filter(|h| h.seen_until().zip(first_failure).is_some_and(|(h, f)| h >= f))
            .filter_map(|h| attempts(h).map(|n| n * u64::from(h.repeats)))
            .sum();
        let counter = failures.iter().filter_map(|s| attempts(s)).max().unwrap_or(0);
        let lasting = covered_span(&failures);
        let sustained = still
            || failures.len() >= SUSTAINED_COUNT
            || (failures.len() >= SUSTAINED_MIN_COUNT && lasting >= Duration::minutes(SUSTAINED_MINUTES))
            || counter >= SUSTAINED_ATTEMPTS
            || heartbeat_errors >= SUSTAINED_ATTEMPTS;
        let recovered: Vec<&Signal> = last_failure
            .map(|last| {
                cx.any_of(WIRE_SUCCESSES)
                    .filter(|r| r.seen_until().is_some_and(|t| t > last))
                    .take(1)
                    .collect()
            })
            .unwrap_or_default();
        let unambiguous = failures.len() >= 2
            || !unreachable.is_empty()
            || counter >= UNAMBIGUOUS_ATTEMPTS
            || failures.iter().any(|s| ends_its_log(cx, s));
        if !sustained && host_path.is_empty() && (!recovered.is_empty() || !unambiguous) {
            return None;
        }
        let mut evidence = evidence_of(failures.iter().chain(&host_path).copied());
        evidence.extend(evidence_of(recovered.iter().copied()));
        let mut summary = if failures.is_empty() {
            String::from(
                "The backup extension could not reach the host snapshot service through the WireServer",
            )
        } else {
            let how = if !unreachable.is_empty() {
                " (no route to host / network unreachable: the address cannot be reached from the guest)"
            } else if throttled * 2 > failures.len() {
                " (the WireServer throttled or was unavailable: HTTP 429/503)"
            } else {
                ""
            };
            let seen = if still && lasting < Duration::minutes(1) {
                "that the agent itself reports as still failing (it says so only after failing for long)"
                    .to_string()
            } else if sustained {
                format!("over {}", human_duration(lasting))
            } else {
                seen_briefly(lasting)
            };
            format!("{} to the WireServer/HostGAPlugin {seen}{how}", count(failures.len(), "failed call"))
        };
        if counter >= UNAMBIGUOUS_ATTEMPTS {
            summary.push_str(&format!("; the agent's own counter reached {counter} attempts"));
        }
        if heartbeat_errors > 0 {
            summary
                .push_str(&format!("; its heartbeats counted {heartbeat_errors} failed goal-state fetches"));
        }
        if let Some(cause) = unreachable_cause(cx) {
            summary.push_str(&format!("; cause: {}", cause.0));
            evidence.extend(cause.1);
        }
        if !host_path.is_empty() && !failures.is_empty() {
            summary.push_str("; the backup extension's host-path calls failed too");
        }
        if !recovered.is_empty() {
            summary.push_str("; the agent later got its goal state again");
        }
        summary.push('.');
        let (severity, confidence) = if sustained && recovered.is_empty() {
            let strong = still || failures.len() >= SUSTAINED_COUNT || !host_path.is_empty();
            (None, if strong { Confidence::High } else { Confidence::Medium })
        } else if sustained || !host_path.is_empty() {
            (Some(Severity::Warning), Confidence::Medium)
        } else {
            (Some(Severity::Warning), Confidence::Low)
        };
        Some(Draft { severity, confidence, summary, evidence, error_codes: None })
    }
}

/// A failure closer than this to the end of its log is one the bundle ends on.
const TAIL_MINUTES: i64 = 30;

/// True when `s` is among the last records of its source: nothing shows the call worked afterwards.
fn ends_its_log(cx: &Context<'_>, s: &Signal) -> bool {
    let Some(t) = s.time else { return false };
    cx.sources
        .iter()
        .find(|src| src.path == *s.path)
        .and_then(|src| src.last)
        .is_some_and(|last| last - t <= Duration::minutes(TAIL_MINUTES))
}

/// The WireServer unreachable because the agent never obtained a route or endpoint for it: DHCP or the
/// route probe kept failing and nothing later resolved it. No call could even be attempted.
fn never_routed(cx: &Context<'_>) -> Option<Draft> {
    let failures = distinct_events(&unresolved_dhcp_failures(cx));
    if failures.is_empty() {
        return None;
    }
    let lasting = covered_span(&failures);
    let sustained = failures.len() >= SUSTAINED_MIN_COUNT || lasting >= Duration::minutes(SUSTAINED_MINUTES);
    let summary = format!(
        "The agent never obtained a route or endpoint for 168.63.129.16: {} {} and none \
         resolved, so no call to the WireServer could be made; cause: the guest gets no DHCP answer or route \
         (see dhcp-disabled).",
        count(failures.len(), "DHCP / route failure"),
        if sustained { format!("over {}", human_duration(lasting)) } else { seen_briefly(lasting) }
    );
    let (severity, confidence) =
        if sustained { (None, Confidence::Medium) } else { (Some(Severity::Warning), Confidence::Low) };
    Some(Draft {
        severity,
        confidence,
        summary,
        evidence: evidence_of(failures.into_iter().take(20)),
        error_codes: None,
    })
}

/// Why the WireServer cannot be reached, when the bundle shows it: DHCP never answered or no route to it
/// was ever obtained, or a static address.
fn unreachable_cause(cx: &Context<'_>) -> Option<(String, Vec<Evidence>)> {
    let dhcp = unresolved_dhcp_failures(cx);
    if !dhcp.is_empty() {
        return Some((
            "the guest never obtained a DHCP lease / route to 168.63.129.16 (see dhcp-disabled)".into(),
            evidence_of(dhcp.into_iter().take(3)),
        ));
    }
    if cx.facts.network.iter().any(|n| !n.dhcp) {
        return Some(("a NIC has static addressing (see dhcp-disabled)".into(), Vec::new()));
    }
    None
}
