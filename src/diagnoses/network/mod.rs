//! Network paths the backup needs: the WireServer, DHCP, Azure Storage. This module classifies the
//! WireServer failures the agent diagnoses share.

mod dhcp;
mod storage;
#[cfg(test)]
mod tests;
mod wireserver;

pub use dhcp::DhcpDisabled;
pub use storage::StorageUnreachable;
pub use wireserver::WireServerUnreachable;

use chrono::Duration;

use super::{answered_status, covered_span, distinct_events, is_throttling_status, Context, Signal};
use crate::timeline::human_duration;

/// This many WireServer failures covering `SUSTAINED_MINUTES` (or DHCP failures, or a span that long) are an
/// outage, not a blip.
const SUSTAINED_MIN_COUNT: usize = 3;
const SUSTAINED_MINUTES: i64 = 10;
/// Signals of calls to the WireServer / HostGAPlugin failing.
const WIRE_FAILURES: &[&str] = &[
    "wire.failure",
    "wire.unreachable",
    "wire.throttled",
    "wire.goal-state-failure",
    "wire.status-upload-failure",
    "wire.sustained",
];

/// How a failed call to the WireServer failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireFailure {
    /// No route to host / network unreachable: the endpoint cannot be reached at all.
    Unreachable,
    /// The server throttled or was unavailable (429, 503).
    Throttled,
    /// The server answered with another HTTP error: not a network failure.
    Answered(u16),
    /// Refused, reset, timed out: a network-level failure.
    Network,
    /// A goal-state or status failure whose record names neither an errno nor an HTTP status.
    Unknown,
    /// A file operation on the VM failed (`[Errno 13] Permission denied` on a goal-state file): the agent's
    /// own state, not the network.
    Local,
}

/// Classifies a WireServer failure signal by what its record says.
pub fn wire_failure_kind(s: &Signal) -> WireFailure {
    let errno: Option<u16> = s.capture("errno").and_then(|e| e.parse().ok());
    let unreachable = &*s.name == "wire.unreachable"
        || matches!(errno, Some(101 | 113))
        || ["No route to host", "Network is unreachable"].iter().any(|n| s.mentions(n));
    if unreachable {
        return WireFailure::Unreachable;
    }
    if errno.is_none() && s.capture("os_errno").is_some() && answered_status(s).is_none() {
        return WireFailure::Local;
    }
    match answered_status(s) {
        Some(code) if is_throttling_status(code) => WireFailure::Throttled,
        Some(code) if code >= 400 && errno.is_none() => WireFailure::Answered(code),
        _ if &*s.name == "wire.throttled" => WireFailure::Throttled,
        _ if errno.is_none() && UNSPECIFIC.contains(&&*s.name) => WireFailure::Unknown,
        _ => WireFailure::Network,
    }
}

/// Signals of goal-state failures on the server's or the agent's side, with the network working.
const GOAL_STATE_SIDE: &[&str] =
    &["goal-state.server-error", "goal-state.invalid", "hostplugin.failure", "agent.goal-state-broken"];
/// Signals of certificates the agent cannot set up or decrypt, which make every goal-state fetch fail.
const CERTIFICATE_SIDE: &[&str] = &["settings.undecryptable", "agent.cert-failure"];

/// Signals whose records may not say how the call failed (the summary line of a goal-state fetch).
const UNSPECIFIC: &[&str] = &["wire.goal-state-failure", "wire.sustained", "wire.status-upload-failure"];

/// The WireServer failure signals of a bundle split by cause: (network-level, answered by the server).
/// Failures whose records do not say go with the network when any failure did show a network cause (or
/// nothing else explains them), else with the server's answers.
pub fn wire_failures_by_cause<'s>(cx: &'s Context<'_>) -> (Vec<&'s Signal>, Vec<&'s Signal>) {
    let mut network = Vec::new();
    let mut answered = Vec::new();
    let mut unknown = Vec::new();
    for s in cx.any_of(WIRE_FAILURES) {
        match wire_failure_kind(s) {
            WireFailure::Answered(_) | WireFailure::Local => answered.push(s),
            WireFailure::Unknown => unknown.push(s),
            _ => network.push(s),
        }
    }
    // Status uploads that fail while goal states keep being fetched: the WireServer answers, so the upload
    // path itself (HostGAPlugin, status blob) refuses them.
    if network.is_empty() {
        // Every agent logs a failed goal-state fetch (it polls every few seconds); none at all while it keeps
        // running, or while its status uploads fail for ten minutes and more, means the fetches work.
        let uploads_lasting = {
            let uploads: Vec<&Signal> =
                unknown.iter().copied().filter(|s| &*s.name == "wire.status-upload-failure").collect();
            covered_span(&uploads) >= Duration::minutes(SUSTAINED_MINUTES)
        };
        let no_fetch_failures = cx.any_of(&["wire.goal-state-failure", "wire.sustained"]).next().is_none();
        let fetching_fine = |s: &Signal| {
            let later = |names: &'static [&'static str]| {
                s.time.is_some_and(|t| cx.any_of(names).any(|g| g.seen_until().is_some_and(|g| g > t)))
            };
            later(&["agent.goal-state-ok"])
                || (no_fetch_failures && (uploads_lasting || later(&["agent.heartbeat", "agent.version"])))
        };
        let (uploads, rest): (Vec<&Signal>, Vec<&Signal>) =
            unknown.into_iter().partition(|s| &*s.name == "wire.status-upload-failure" && fetching_fine(s));
        answered.extend(uploads);
        unknown = rest;
    }
    let goal_state_side = !answered.is_empty() || cx.any_of(GOAL_STATE_SIDE).next().is_some();
    let certificate_side = cx.any_of(CERTIFICATE_SIDE).next().is_some();
    if !network.is_empty() || (!goal_state_side && !certificate_side) {
        network.extend(unknown);
        network.sort_by_key(|s| (s.time.is_none(), s.time, s.path.clone(), s.line));
    } else if goal_state_side {
        answered.extend(unknown);
        answered.sort_by_key(|s| (s.time.is_none(), s.time, s.path.clone(), s.line));
    }
    // Otherwise the unspecific failures follow from certificates the agent cannot decrypt: that finding
    // explains them, and they are not reported again.
    (network, answered)
}

/// The distinct network-level WireServer failures of a bundle (telemetry mirrors and server answers left out).
pub fn wire_network_failures<'s>(cx: &'s Context<'_>) -> Vec<&'s Signal> {
    distinct_events(&wire_failures_by_cause(cx).0)
}

/// How a brief failure was seen, for summaries: "seen only for 18s in this bundle", or "seen only at one
/// moment in this bundle".
fn seen_briefly(lasting: Duration) -> String {
    if lasting < Duration::seconds(1) {
        "seen only at one moment in this bundle".to_string()
    } else {
        format!("seen only for {} in this bundle", human_duration(lasting))
    }
}

/// DHCP failures and missing-route probes that nothing later resolved (no endpoint obtained, no goal state
/// fetched after them).
pub fn unresolved_dhcp_failures<'s>(cx: &'s Context<'_>) -> Vec<&'s Signal> {
    let failures: Vec<&Signal> = cx.any_of(&["dhcp.failure", "dhcp.route-missing"]).collect();
    let Some(last) = failures.iter().filter_map(|s| s.time).max() else {
        return failures;
    };
    let resolved = cx
        .any_of(&["agent.endpoint-obtained", "agent.goal-state-ok", "dhcp.endpoint-found"])
        .any(|s| s.time.is_some_and(|t| t >= last));
    if resolved {
        Vec::new()
    } else {
        failures
    }
}
