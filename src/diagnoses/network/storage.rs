//! `storage-unreachable`: the backup extension's snapshot calls to Azure Storage fail.

use crate::catalog::Catalog;
use crate::diagnoses::{
    decoded_codes, describe_ext_code, evidence_of, Context, Diagnosis, Draft, Input, Signal,
};
use crate::facts::ExtensionStatusFact;
use crate::intake::ArtifactKind;
use crate::model::Confidence;
use crate::report::words::count;

/// True when a backup-extension status names a storage-path failure (a code the catalog lists for
/// `storage-unreachable`).
fn is_storage_status(s: &ExtensionStatusFact) -> bool {
    let codes = Catalog::get().codes_of("storage-unreachable");
    s.is_backup_extension()
        && s.status == "error"
        && (s.ext_error.as_deref().is_some_and(|e| codes.has_error_name(e))
            || s.code.is_some_and(|c| codes.has_status_code(c)))
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

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::VmSnapshotLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        // A bare 409 or 5xx status is ambiguous (snapshot limit, throttling, conflicts): it supports the finding
        // but does not make it; 403/407 (firewall, proxy) do.
        let statuses_seen: Vec<&Signal> = cx.named("storage.http-status").collect();
        let refused = |s: &&Signal| s.capture("http_status").is_some_and(|c| c == "403" || c == "407");
        let mut calls: Vec<&Signal> = cx.any_of(&["storage.failure", "storage.host-error"]).collect();
        calls.extend(statuses_seen.iter().copied().filter(refused));
        let codes = Catalog::get().codes_of(self.id());
        let coded: Vec<&Signal> = cx
            .any_of(&["snap.status-code", "snap.ext-error"])
            .filter(|s| s.capture("ext_code").is_some_and(|c| codes.has_error_name(c)))
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
        let mut summary = format!("{} from the backup extension", count(calls.len(), "failed storage call"));
        if !uploads.is_empty() {
            summary.push_str(&format!(", {}", count(uploads.len(), "failed status/log blob upload")));
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
