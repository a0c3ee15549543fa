//! Network paths the backup needs: the WireServer, DHCP, Azure Storage.

use chrono::Duration;

use super::{
    answered_status, attempts, covered_span, decoded_codes, describe_ext_code, distinct_events, evidence_of,
    is_periodic, is_throttling_status, Context, Diagnosis, Draft, Signal,
};
use crate::facts::ExtensionStatusFact;
use crate::report::{Confidence, Evidence, Severity};
use crate::timeline::human_duration;

/// This many distinct WireServer failures, or failures covering `SUSTAINED_MINUTES`, are an outage, not a blip.
const SUSTAINED_COUNT: usize = 5;
const SUSTAINED_MIN_COUNT: usize = 3;
const SUSTAINED_MINUTES: i64 = 10;
/// A retry counter this high inside one record (`retry=332`, `UpdateGSErrors: 57`) is itself a lasting outage.
const SUSTAINED_ATTEMPTS: u64 = 25;
/// One failed call whose own line says it was tried this often is unambiguous, however brief.
const UNAMBIGUOUS_ATTEMPTS: u64 = 3;
/// Host snapshot-service status codes meaning no response or an error on the WireServer path.
const HOST_PATH_FAILURES: &[&str] = &["555", "556", "557", "558"];
/// Signals of calls to the WireServer / HostGAPlugin failing.
const WIRE_FAILURES: &[&str] = &[
    "wire.failure",
    "wire.unreachable",
    "wire.throttled",
    "wire.goal-state-failure",
    "wire.status-upload-failure",
    "wire.sustained",
];
/// Signals proving the agent got what it asked the WireServer for.
const WIRE_SUCCESSES: &[&str] = &["wire.recovered", "agent.goal-state-ok"];

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
                s.time.is_some_and(|t| cx.any_of(names).any(|g| g.time.is_some_and(|g| g > t)))
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

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let failures = wire_network_failures(cx);
        let host_path: Vec<&Signal> = cx
            .named("wire.vmsnapshot-host-failure")
            .chain(
                cx.named("snap.host-status")
                    .filter(|s| s.capture("code").is_some_and(|c| HOST_PATH_FAILURES.contains(&c))),
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
            .filter(|h| h.time.zip(first_failure).is_some_and(|(h, f)| h >= f))
            .filter_map(attempts)
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
                cx.any_of(WIRE_SUCCESSES).filter(|r| r.time.is_some_and(|t| t > last)).take(1).collect()
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
            format!("{} failed call(s) to the WireServer/HostGAPlugin {seen}{how}", failures.len())
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

/// How a brief failure was seen, for summaries: "seen only for 18s in this bundle", or "seen only at one
/// moment in this bundle".
fn seen_briefly(lasting: Duration) -> String {
    if lasting < Duration::seconds(1) {
        "seen only at one moment in this bundle".to_string()
    } else {
        format!("seen only for {} in this bundle", human_duration(lasting))
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
        "The agent never obtained a route or endpoint for 168.63.129.16: {} DHCP / route failure(s) {} and none \
         resolved, so no call to the WireServer could be made; cause: the guest gets no DHCP answer or route \
         (see dhcp-disabled).",
        failures.len(),
        if sustained {
            format!("over {}", human_duration(lasting))
        } else {
            seen_briefly(lasting)
        }
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

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let static_nics: Vec<_> = cx.facts.network.iter().filter(|n| !n.dhcp).collect();
        let static_registry = super::windows_facts::static_interfaces(cx);
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
            parts.push(format!("{} interface(s) with DHCP off in the registry", static_registry.len()));
        }
        if !static_nics.is_empty() {
            let names: Vec<String> =
                static_nics.iter().map(|n| n.interface.clone().unwrap_or_else(|| "a NIC".into())).collect();
            parts.push(format!("static addressing configured for {}", names.join(", ")));
        }
        if !failures.is_empty() {
            parts.push(format!("{} DHCP / endpoint-discovery failure(s) in the agent log", failures.len()));
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

/// The extension's error names meaning the storage path failed.
pub const STORAGE_CODES: &[&str] = &[
    "FailedRetryableSnapshotFailedNoNetwork",
    "FailedRetryableSnapshotFailedRestrictedNetwork",
    "error_http_failure",
];
const STORAGE_VALUES: &[i64] = &[76, 761, 15];

/// True when a backup-extension status names a storage-path failure.
pub fn is_storage_status(s: &ExtensionStatusFact) -> bool {
    s.is_backup_extension()
        && s.status == "error"
        && (s.ext_error.as_deref().is_some_and(|e| STORAGE_CODES.contains(&e))
            || s.code.is_some_and(|c| STORAGE_VALUES.contains(&c)))
}

/// `storage-unreachable`.
pub struct StorageUnreachable;

impl Diagnosis for StorageUnreachable {
    fn id(&self) -> &'static str {
        "storage-unreachable"
    }

    fn rule(&self) -> &'static str {
        "The backup extension's snapshot calls to Azure Storage failed (HTTP errors, 403/407 refusals, empty \
         snapshot results, host-side errors), it could not upload its status or log blobs, or it ended with a \
         no-network error code (76, 761, 15) in its log or status file. Other HTTP statuses (409, 5xx) only \
         support the finding."
    }

    fn signals(&self) -> &'static [&'static str] {
        &[
            "storage.failure",
            "storage.http-status",
            "storage.host-error",
            "snap.status-code",
            "snap.ext-error",
            "storage.upload-failure",
        ]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        // A bare 409 or 5xx status is ambiguous (snapshot limit, throttling, conflicts): it supports the finding
        // but does not make it; 403/407 (firewall, proxy) do.
        let statuses_seen: Vec<&Signal> = cx.named("storage.http-status").collect();
        let refused = |s: &&Signal| s.capture("http_status").is_some_and(|c| c == "403" || c == "407");
        let mut calls: Vec<&Signal> = cx.any_of(&["storage.failure", "storage.host-error"]).collect();
        calls.extend(statuses_seen.iter().copied().filter(refused));
        let coded: Vec<&Signal> = cx
            .any_of(&["snap.status-code", "snap.ext-error"])
            .filter(|s| s.capture("ext_code").is_some_and(|c| STORAGE_CODES.contains(&c)))
            .collect();
        let statuses: Vec<&ExtensionStatusFact> =
            cx.facts.extension_statuses.iter().filter(|s| is_storage_status(s)).collect();
        let uploads: Vec<&Signal> = cx.named("storage.upload-failure").take(5).collect();
        if calls.is_empty() && coded.is_empty() && statuses.is_empty() && uploads.is_empty() {
            return None;
        }
        calls.extend(statuses_seen.iter().copied().filter(|s| !refused(s)));
        let mut evidence = evidence_of(calls.iter().chain(&coded).chain(&uploads).copied());
        evidence.extend(statuses.iter().map(|s| s.evidence()));
        let mut codes = decoded_codes(&coded);
        for s in &statuses {
            if let Some(e) = &s.ext_error {
                if !codes.contains(e) {
                    codes.push(e.clone());
                }
            }
        }
        let mut summary = format!("{} failed storage call(s) from the backup extension", calls.len());
        if !uploads.is_empty() {
            summary.push_str(&format!(", {} failed status/log blob upload(s)", uploads.len()));
        }
        if !codes.is_empty() {
            let named: Vec<String> = codes.iter().map(|c| describe_ext_code(c)).collect();
            summary.push_str(&format!("; it reported {}", named.join(", ")));
        }
        if let Some(proxy) = cx.facts.waagent_conf.as_ref().and_then(|c| c.evidence("HttpProxy.Host")) {
            summary.push_str(&format!("; a proxy is configured ({})", proxy.text));
            evidence.push(proxy);
        }
        summary.push('.');
        let confidence = if !calls.is_empty() && (!coded.is_empty() || !statuses.is_empty()) {
            Confidence::High
        } else {
            Confidence::Medium
        };
        Some(Draft { severity: None, confidence, summary, evidence, error_codes: None })
    }
}
