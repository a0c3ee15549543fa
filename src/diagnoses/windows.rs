//! Windows guests: the backup extension's process (IaaSBcdrExtension.exe) crashing or being blocked, and the
//! Windows services it needs (VSS, COM+/MSDTC, Windows Installer, TLS, .NET) failing — each tied in time to
//! the snapshot failures it explains.

use chrono::{DateTime, Duration, Utc};

use super::{evidence_of, Context, Diagnosis, Draft, Signal};
use crate::report::{Confidence, Severity};
use crate::timeline::human_duration;

/// The backup extension's executable on Windows.
pub const BACKUP_EXE: &str = "iaasbcdrextension.exe";
/// A crash this long (or less) before a snapshot failure explains it.
const CRASH_WINDOW_MINUTES: i64 = 30;
/// Service errors this close (either side) to a backup failure are tied to it.
const SERVICE_WINDOW_MINUTES: i64 = 60;

/// When the backup extension failed: its status files in error, and failure lines of its logs.
pub fn backup_failure_times(cx: &Context<'_>) -> Vec<DateTime<Utc>> {
    let mut times: Vec<DateTime<Utc>> = cx
        .facts
        .extension_statuses
        .iter()
        .filter(|s| s.is_backup_extension() && s.status == "error")
        .filter_map(|s| s.time)
        .collect();
    times.extend(
        cx.any_of(&["snap.failure", "snap.final-status"])
            .filter(|s| &*s.name == "snap.failure" || s.capture("status") == Some("error"))
            .filter_map(|s| s.time),
    );
    times.sort();
    times.dedup();
    times
}

/// The failure a signal at `t` explains when it happens at most `before` ahead of it (or `after` past it).
fn failure_near(
    failures: &[DateTime<Utc>],
    t: DateTime<Utc>,
    before: Duration,
    after: Duration,
) -> Option<DateTime<Utc>> {
    failures.iter().copied().find(|f| *f >= t - after && *f - t <= before)
}

fn app_is_backup(s: &Signal) -> bool {
    s.capture("app").is_some_and(|a| a.trim().to_ascii_lowercase().ends_with(BACKUP_EXE))
}

/// Signals tied to failures: (tied, untied), and the failures they tie to.
fn split_by_failures<'s>(
    signals: Vec<&'s Signal>,
    failures: &[DateTime<Utc>],
    before: Duration,
    after: Duration,
) -> (Vec<&'s Signal>, Vec<&'s Signal>) {
    signals
        .into_iter()
        .partition(|s| s.time.is_some_and(|t| failure_near(failures, t, before, after).is_some()))
}

/// `vmsnapshot-crash`.
pub struct VmSnapshotCrash;

impl Diagnosis for VmSnapshotCrash {
    fn id(&self) -> &'static str {
        "vmsnapshot-crash"
    }

    fn rule(&self) -> &'static str {
        "IaaSBcdrExtension.exe crashed or hung (Application Error 1000, WER 1001 APPCRASH/AppHang/CLR20r3 with \
         P1 = the program, Application Hang 1002, .NET Runtime 1026). A crash within 30 min before a VMSnapshot \
         failure is critical and high-confidence; a crash with no failure after it is a warning. Crashes of other \
         programs never count."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["win.crash"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let crashes: Vec<&Signal> = cx.named("win.crash").filter(|s| app_is_backup(s)).collect();
        if crashes.is_empty() {
            return None;
        }
        let failures = backup_failure_times(cx);
        let window = Duration::minutes(CRASH_WINDOW_MINUTES);
        // Application Error, WER and .NET events of one crash arrive within seconds: count crashes, not events.
        let crash_count = super::bursts(&crashes, Duration::minutes(2)).len();
        let (tied, untied) = split_by_failures(crashes, &failures, window, Duration::zero());
        let mut evidence = evidence_of(tied.iter().chain(&untied).copied());
        evidence.extend(failing_statuses(cx));
        if let Some(first) = tied.first() {
            let (t, f) = (first.time?, failure_near(&failures, first.time?, window, Duration::zero())?);
            let summary = format!(
                "IaaSBcdrExtension.exe crashed {} time(s); the crash at {} came {} before the snapshot failed.",
                crash_count,
                crate::timeline::rfc3339(t),
                human_duration(f - t)
            );
            return Some(Draft {
                severity: Some(Severity::Critical),
                confidence: Confidence::High,
                summary,
                evidence,
                error_codes: None,
            });
        }
        let summary = format!(
            "IaaSBcdrExtension.exe crashed {} time(s), with no snapshot failure within 30 min after.",
            crash_count
        );
        Some(Draft {
            severity: Some(Severity::Warning),
            confidence: Confidence::Medium,
            summary,
            evidence,
            error_codes: None,
        })
    }
}

fn failing_statuses(cx: &Context<'_>) -> Vec<crate::report::Evidence> {
    cx.facts
        .extension_statuses
        .iter()
        .filter(|s| s.is_backup_extension() && s.status == "error")
        .take(3)
        .map(|s| s.evidence())
        .collect()
}

/// True when a path names the backup extension's files or folders.
fn is_backup_path(path: &str) -> bool {
    let p = path.to_ascii_lowercase().replace('/', "\\");
    p.contains("recoveryservices.vmsnapshot") || p.contains(BACKUP_EXE)
}

/// `antivirus-interference`.
pub struct AntivirusInterference;

impl Diagnosis for AntivirusInterference {
    fn id(&self) -> &'static str {
        "antivirus-interference"
    }

    fn rule(&self) -> &'static str {
        "Microsoft Defender detected, quarantined or failed to clean a file of the backup extension (1006-1008, \
         1015, 1116-1119 whose Path is under the VMSnapshot plugin folders or is IaaSBcdrExtension.exe). Detections \
         of other files never count. Defender exclusion changes (5007) are reported as evidence: whether the plugin \
         folders are excluded."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["win.av-detection", "win.av-config"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let hits: Vec<&Signal> =
            cx.named("win.av-detection").filter(|s| s.capture("path").is_some_and(is_backup_path)).collect();
        if hits.is_empty() {
            return None;
        }
        let exclusions: Vec<&Signal> =
            cx.named("win.av-config").filter(|s| s.mentions("Exclusions")).collect();
        let excluded = exclusions.iter().any(|s| s.capture("new").is_some_and(is_backup_path))
            || super::windows_facts::defender_path_exclusions(cx).iter().any(|p| is_backup_path(p));
        let mut evidence = evidence_of(hits.iter().copied());
        evidence.extend(evidence_of(exclusions.iter().take(5).copied()));
        evidence.extend(failing_statuses(cx));
        let mut paths: Vec<&str> = hits.iter().filter_map(|s| s.capture("path")).collect();
        paths.sort_unstable();
        paths.dedup();
        let summary = format!(
            "Microsoft Defender acted on the backup extension's files ({}); {}.",
            paths.join(", "),
            if excluded {
                "an exclusion for the plugin folder was added at some point"
            } else {
                "no Defender exclusion covers the VMSnapshot plugin folders"
            }
        );
        Some(Draft { severity: None, confidence: Confidence::High, summary, evidence, error_codes: None })
    }
}

/// `app-control-block`.
pub struct AppControlBlock;

impl Diagnosis for AppControlBlock {
    fn id(&self) -> &'static str {
        "app-control-block"
    }

    fn rule(&self) -> &'static str {
        "AppLocker (8004/8007 blocked, 8003/8006 audit) or Windows Defender Application Control (3077 blocked, 3076 \
         audit) acting on IaaSBcdrExtension.exe or the VMSnapshot plugin folder. Blocks are errors; audit-only \
         events are warnings."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["win.app-control"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let hits: Vec<&Signal> = cx
            .named("win.app-control")
            .filter(|s| s.capture("path").is_some_and(is_backup_path) || s.about_backup)
            .collect();
        if hits.is_empty() {
            return None;
        }
        let blocked =
            hits.iter().any(|s| [" 8004 ", " 8007 ", " 3077 "].iter().any(|id| s.text.contains(id)));
        let mut evidence = evidence_of(hits.iter().copied());
        evidence.extend(failing_statuses(cx));
        let (severity, confidence, verb) = if blocked {
            (Severity::Error, Confidence::High, "blocked")
        } else {
            (Severity::Warning, Confidence::Medium, "audited (would block)")
        };
        let summary = format!("Application control {verb} IaaSBcdrExtension.exe {} time(s).", hits.len());
        Some(Draft { severity: Some(severity), confidence, summary, evidence, error_codes: None })
    }
}

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
    extra: Vec<crate::report::Evidence>,
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
            "{what}: {} event(s), none within 60 min of a snapshot failure.",
            untied.len() + usize::from(had_extra)
        )
    } else {
        format!(
            "{what}: {} event(s) within 60 min of snapshot failures ({} more at other times).",
            tied.len(),
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

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let mut signals: Vec<&Signal> = cx.named("win.vss-error").collect();
        signals.extend(cx.named("win.service-failure").filter(|s| service_is(s, VSS_SERVICES)));
        signals.sort_by_key(|s| s.time);
        let writers = crate::diagnoses::windows_facts::failed_writers(cx);
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

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let mut signals: Vec<&Signal> = cx.named("win.com-error").collect();
        signals.extend(cx.named("win.service-failure").filter(|s| service_is(s, COM_SERVICES)));
        signals.sort_by_key(|s| s.time);
        service_family(cx, signals, Vec::new(), "COM+ / MSDTC is failing")
    }
}

/// `vcredist-install-failed`.
pub struct VcRedistInstallFailed;

impl Diagnosis for VcRedistInstallFailed {
    fn id(&self) -> &'static str {
        "vcredist-install-failed"
    }

    fn rule(&self) -> &'static str {
        "Windows Installer failed on a Microsoft Visual C++ runtime (errors, failed installations, non-zero status)."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["win.msi-failure"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let hits: Vec<&Signal> = cx
            .named("win.msi-failure")
            .filter(|s| {
                s.capture("product").is_some_and(|p| p.contains("Visual C++")) || s.mentions("Visual C++")
            })
            .collect();
        if hits.is_empty() {
            return None;
        }
        let summary = format!("Installing the Visual C++ runtime failed {} time(s).", hits.len());
        Some(Draft {
            severity: None,
            confidence: Confidence::High,
            summary,
            evidence: evidence_of(hits),
            error_codes: None,
        })
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

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let hits: Vec<&Signal> = cx.named("win.bitlocker-locked").collect();
        if hits.is_empty() {
            return None;
        }
        let summary =
            format!("A volume locked by BitLocker stopped the shadow copy ({} event(s)).", hits.len());
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

/// `dotnet-missing`.
pub struct DotnetMissing;

impl Diagnosis for DotnetMissing {
    fn id(&self) -> &'static str {
        "dotnet-missing"
    }

    fn rule(&self) -> &'static str {
        "The Windows agent reports the required .NET Framework (4.5+) missing (RequiredDotNetVersionPresent false, \
         in its logs or the registry), or Windows Installer failed to install .NET Framework."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["agent.dotnet-missing", "win.msi-failure"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let said: Vec<&Signal> = cx.named("agent.dotnet-missing").collect();
        let msi: Vec<&Signal> = cx
            .named("win.msi-failure")
            .filter(|s| {
                s.capture("product").is_some_and(|p| p.contains(".NET Framework"))
                    || s.mentions(".NET Framework")
            })
            .collect();
        let registry = crate::diagnoses::windows_facts::dotnet_flag_off(cx);
        if said.is_empty() && msi.is_empty() && registry.is_empty() {
            return None;
        }
        let mut evidence = evidence_of(said.iter().chain(&msi).copied());
        evidence.extend(registry);
        let summary = format!(
            "The guest agent lacks .NET Framework 4.5 or later ({} agent line(s), {} failed .NET install(s)).",
            said.len(),
            msi.len()
        );
        Some(Draft { severity: None, confidence: Confidence::High, summary, evidence, error_codes: None })
    }
}
