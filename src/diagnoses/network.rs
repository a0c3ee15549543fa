//! Network paths the backup needs: the WireServer, DHCP, Azure Storage.

use chrono::Duration;

use super::{decoded_codes, describe_ext_code, evidence_of, span, Context, Diagnosis, Draft, Signal};
use crate::facts::ExtensionStatusFact;
use crate::report::{Confidence, Evidence, Severity};
use crate::timeline::human_duration;

/// This many WireServer failures, or failures spanning `SUSTAINED_MINUTES`, are an outage, not a blip.
const SUSTAINED_COUNT: usize = 5;
const SUSTAINED_MIN_COUNT: usize = 3;
const SUSTAINED_MINUTES: i64 = 10;
/// Host snapshot-service status codes meaning no response or an error on the WireServer path.
const HOST_PATH_FAILURES: &[&str] = &["555", "556", "557", "558"];

/// `wireserver-unreachable`.
pub struct WireServerUnreachable;

impl Diagnosis for WireServerUnreachable {
    fn id(&self) -> &'static str {
        "wireserver-unreachable"
    }

    fn rule(&self) -> &'static str {
        "Failed calls to 168.63.129.16 (HTTP failures, time-outs, refused/reset connections, goal-state and \
         status-upload failures) that are sustained: the agent says it is still failing, or 5+ failures, or 3+ \
         spanning 10 min or more; or the backup extension failing to reach the host snapshot service through it \
         (wrong WireServer IP, host status 555-558). A later 'recovered' line lowers it to a warning."
    }

    fn signals(&self) -> &'static [&'static str] {
        &[
            "wire.failure",
            "wire.goal-state-failure",
            "wire.status-upload-failure",
            "wire.sustained",
            "wire.vmsnapshot-host-failure",
            "snap.host-status",
            "wire.recovered",
        ]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let failures: Vec<&Signal> =
            cx.any_of(&["wire.failure", "wire.goal-state-failure", "wire.status-upload-failure"]).collect();
        let still: Vec<&Signal> = cx.named("wire.sustained").collect();
        let host_path: Vec<&Signal> = cx
            .named("wire.vmsnapshot-host-failure")
            .chain(
                cx.named("snap.host-status")
                    .filter(|s| s.capture("code").is_some_and(|c| HOST_PATH_FAILURES.contains(&c))),
            )
            .collect();
        let lasting = span(&failures).unwrap_or_else(Duration::zero);
        let sustained = !still.is_empty()
            || failures.len() >= SUSTAINED_COUNT
            || (failures.len() >= SUSTAINED_MIN_COUNT && lasting >= Duration::minutes(SUSTAINED_MINUTES));
        if !sustained && host_path.is_empty() {
            return None;
        }
        let last_failure = failures.iter().chain(&host_path).filter_map(|s| s.time).max();
        let recovered = cx
            .named("wire.recovered")
            .filter(|r| r.time.zip(last_failure).is_some_and(|(r, f)| r > f))
            .collect::<Vec<_>>();
        let mut evidence = evidence_of(failures.iter().chain(&still).chain(&host_path).copied());
        evidence.extend(evidence_of(recovered.iter().copied()));
        let mut summary = if sustained {
            format!(
                "{} failed call(s) to the WireServer/HostGAPlugin over {}",
                failures.len(),
                human_duration(lasting)
            )
        } else {
            String::from(
                "The backup extension could not reach the host snapshot service through the WireServer",
            )
        };
        if !host_path.is_empty() && sustained {
            summary.push_str("; the backup extension's host-path calls failed too");
        }
        if !recovered.is_empty() {
            summary.push_str("; the agent later reported recovery");
        }
        summary.push('.');
        let confidence =
            if (sustained && !host_path.is_empty()) || !still.is_empty() || failures.len() >= SUSTAINED_COUNT
            {
                Confidence::High
            } else {
                Confidence::Medium
            };
        let severity = if recovered.is_empty() { None } else { Some(Severity::Warning) };
        Some(Draft { severity, confidence, summary, evidence, error_codes: None })
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
         agent's DHCP failures (no DHCP response, no route to 168.63.129.16, hard-coded endpoint fallback). \
         'Dhcp client is not running' and 'endpoint not found' only add weight to those."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["dhcp.failure", "dhcp.client-not-running", "dhcp.endpoint-not-found"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let static_nics: Vec<_> = cx.facts.network.iter().filter(|n| !n.dhcp).collect();
        let static_registry = super::windows_facts::static_interfaces(cx);
        let failures: Vec<&Signal> = cx.named("dhcp.failure").collect();
        if static_nics.is_empty() && failures.is_empty() && static_registry.is_empty() {
            return None;
        }
        let weak: Vec<&Signal> =
            cx.any_of(&["dhcp.client-not-running", "dhcp.endpoint-not-found"]).take(10).collect();
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
        let summary = format!("DHCP is not serving the guest: {}.", parts.join("; "));
        Some(Draft { severity: None, confidence, summary, evidence, error_codes: None })
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
