//! `vss-failure`, `com-msdtc-failure`, `bitlocker-locked`, `tls-channel-failure`: the Windows services a
//! snapshot needs failing, tied to the snapshot failures within an hour.

use chrono::Duration;

use super::{backup_failure_times, failing_statuses, split_by_failures};
use crate::diagnoses::Input;
use crate::diagnoses::{evidence_of, Context, Diagnosis, Draft, Signal};
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Severity};
use crate::report::words::count;

/// Service errors this close (either side) to a backup failure are tied to it.
const SERVICE_WINDOW_MINUTES: i64 = 60;

/// Services whose failures break VSS.
const VSS_SERVICES: &[&str] =
    &["volume shadow copy", "vss", "swprv", "microsoft software shadow copy provider"];
/// Services whose failures break COM+ / MSDTC.
const COM_SERVICES: &[&str] = &[
    "distributed transaction coordinator",
    "msdtc",
    "com+ system application",
    "comsysapp",
    "com+ event system",
    "eventsystem",
];

fn service_is(s: &Signal, names: &[&str]) -> bool {
    s.capture("service").is_some_and(|v| {
        let v = v.trim().to_ascii_lowercase();
        names.iter().any(|n| v == *n)
    })
}

/// Decides a service-family finding: errors tied to backup failures are errors, others warnings.
fn service_family(
    cx: &Context<'_>,
    signals: Vec<&Signal>,
    extra: Vec<crate::model::Evidence>,
    what: &str,
) -> Option<Draft> {
    if signals.is_empty() && extra.is_empty() {
        return None;
    }
    let failures = backup_failure_times(cx);
    let w = Duration::minutes(SERVICE_WINDOW_MINUTES);
    let (tied, untied) = split_by_failures(signals, &failures, w, w);
    let mut evidence = evidence_of(tied.iter().chain(&untied).copied());
    let had_extra = !extra.is_empty();
    evidence.extend(extra);
    if !tied.is_empty() {
        evidence.extend(failing_statuses(cx));
    }
    let (severity, confidence) = if !tied.is_empty() {
        (Severity::Error, Confidence::High)
    } else if had_extra {
        (Severity::Error, Confidence::Medium)
    } else {
        (Severity::Warning, Confidence::Low)
    };
    let summary = if tied.is_empty() {
        format!(
            "{what}: {}, none within 60 min of a snapshot failure.",
            count(untied.len() + usize::from(had_extra), "event")
        )
    } else {
        format!(
            "{what}: {} within 60 min of snapshot failures ({} more at other times).",
            count(tied.len(), "event"),
            untied.len()
        )
    };
    Some(Draft { severity: Some(severity), confidence, summary, evidence, error_codes: None })
}

/// `vss-failure`.
pub struct VssFailure;

impl Diagnosis for VssFailure {
    fn id(&self) -> &'static str {
        "vss-failure"
    }

    fn rule(&self) -> &'static str {
        "VSS errors (8193, 8194, 12289, 12293, 12298, 12302, 20, 22, 8229, 8230; not the BitLocker and shutdown-time \
         ones), failures of the VSS / swprv services, or writers not stable in `vssadmin list writers`. Within \
         60 min of a snapshot failure: error, high; otherwise a low-confidence warning."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["win.vss-error", "win.service-failure"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::windows(ArtifactKind::Evtx)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let mut signals: Vec<&Signal> = cx.named("win.vss-error").collect();
        signals.extend(cx.named("win.service-failure").filter(|s| service_is(s, VSS_SERVICES)));
        signals.sort_by_key(|s| s.time);
        let writers = super::facts::failed_writers(cx);
        service_family(cx, signals, writers, "Volume Shadow Copy is failing")
    }
}

/// `com-msdtc-failure`.
pub struct ComMsdtcFailure;

impl Diagnosis for ComMsdtcFailure {
    fn id(&self) -> &'static str {
        "com-msdtc-failure"
    }

    fn rule(&self) -> &'static str {
        "COM+, EventSystem or MSDTC errors, VSS unable to start a COM server (VSS 13), or the MSDTC / COM+ services \
         failing to start or crashing. Within 60 min of a snapshot failure: error, high; otherwise a warning."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["win.com-error", "win.service-failure"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::windows(ArtifactKind::Evtx)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let mut signals: Vec<&Signal> = cx.named("win.com-error").collect();
        signals.extend(cx.named("win.service-failure").filter(|s| service_is(s, COM_SERVICES)));
        signals.sort_by_key(|s| s.time);
        service_family(cx, signals, Vec::new(), "COM+ / MSDTC is failing")
    }
}

/// `bitlocker-locked`.
pub struct BitlockerLocked;

impl Diagnosis for BitlockerLocked {
    fn id(&self) -> &'static str {
        "bitlocker-locked"
    }

    fn rule(&self) -> &'static str {
        "VSS or BitLocker events saying a drive is locked by BitLocker Drive Encryption (0x80310000)."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["win.bitlocker-locked"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::windows(ArtifactKind::Evtx)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let hits: Vec<&Signal> = cx.named("win.bitlocker-locked").collect();
        if hits.is_empty() {
            return None;
        }
        let summary =
            format!("A volume locked by BitLocker stopped the shadow copy ({}).", count(hits.len(), "event"));
        Some(Draft {
            severity: None,
            confidence: Confidence::High,
            summary,
            evidence: evidence_of(hits),
            error_codes: None,
        })
    }
}

/// `tls-channel-failure`.
pub struct TlsChannelFailure;

impl Diagnosis for TlsChannelFailure {
    fn id(&self) -> &'static str {
        "tls-channel-failure"
    }

    fn rule(&self) -> &'static str {
        "Client-side Schannel errors (36870, 36871, 36874, 36887) or 'could not create SSL/TLS secure channel' in \
         the agent or extension logs. Tied to a snapshot failure within 60 min (or stated by the extension): error, \
         high; Schannel errors alone: a low-confidence warning."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["win.tls-error"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::windows(ArtifactKind::Evtx)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let events: Vec<&Signal> =
            cx.named("win.tls-error").filter(|s| s.kind == crate::intake::ArtifactKind::Evtx).collect();
        let stated: Vec<&Signal> =
            cx.named("win.tls-error").filter(|s| s.kind != crate::intake::ArtifactKind::Evtx).collect();
        let in_status = cx
            .facts
            .extension_statuses
            .iter()
            .filter(|s| s.is_backup_extension() && s.status == "error")
            .filter(|s| s.message.contains("SSL/TLS") || s.message.contains("secure channel"))
            .map(|s| s.evidence())
            .collect::<Vec<_>>();
        let mut extra = evidence_of(stated);
        extra.extend(in_status);
        service_family(cx, events, extra, "Secure channel (TLS) connections are failing")
    }
}
