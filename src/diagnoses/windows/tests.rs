//! Windows rules from explicit event-log signals and backup failures.

use super::*;
use crate::diagnoses::testkit::{evidence_texts, Case};
use crate::diagnoses::Diagnosis;
use crate::model::Severity;

const APP_EVTX: &str = "Windows/System32/winevt/Logs/Application.evtx";
const SYSTEM_EVTX: &str = "Windows/System32/winevt/Logs/System.evtx";
const PLUGIN_LOG: &str =
    "WindowsAzure/Logs/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.0.0/IaaSBcdrExtension0.log";

/// A crash of `app` at `time`, and a snapshot failure at 10:30.
fn crash_then_failure(app: &str, time: &str) -> Case {
    Case::new()
        .windows()
        .signal("win.crash", time, APP_EVTX, 1, "Faulting application name: IaaSBcdrExtension.exe")
        .capture("app", app)
        .signal("snap.failure", "2024-03-15T10:30:00Z", PLUGIN_LOG, 40, "Snapshot failed")
}

#[test]
fn a_backup_crash_shortly_before_a_snapshot_failure_is_critical() {
    let draft =
        crash_then_failure("IaaSBcdrExtension.exe", "2024-03-15T10:10:00Z").run(&VmSnapshotCrash).unwrap();
    assert_eq!(draft.severity, Some(Severity::Critical));
    assert!(draft.summary.contains("20m before the snapshot failed"), "{}", draft.summary);
    assert_eq!(evidence_texts(&draft), ["Faulting application name: IaaSBcdrExtension.exe"]);
}

#[test]
fn a_backup_crash_more_than_30_minutes_before_the_failure_is_only_a_warning() {
    let at_edge = crash_then_failure("IaaSBcdrExtension.exe", "2024-03-15T10:00:00Z").run(&VmSnapshotCrash);
    assert_eq!(at_edge.unwrap().severity, Some(Severity::Critical), "30 min is inside the window");
    let earlier = crash_then_failure("IaaSBcdrExtension.exe", "2024-03-15T09:59:00Z").run(&VmSnapshotCrash);
    let earlier = earlier.unwrap();
    assert_eq!(earlier.severity, Some(Severity::Warning));
    assert!(earlier.summary.contains("no snapshot failure within 30 min"), "{}", earlier.summary);
    let after = crash_then_failure("IaaSBcdrExtension.exe", "2024-03-15T10:31:00Z").run(&VmSnapshotCrash);
    assert_eq!(
        after.unwrap().severity,
        Some(Severity::Warning),
        "a crash after the failure does not explain it"
    );
}

#[test]
fn crashes_of_other_programs_are_not_the_backup_crashing() {
    assert!(crash_then_failure("notepad.exe", "2024-03-15T10:10:00Z").run(&VmSnapshotCrash).is_none());
    assert!(Case::new().windows().run(&VmSnapshotCrash).is_none());
}

#[test]
fn defender_acting_on_the_plugin_folder_is_interference() {
    let path =
        "C:\\Packages\\Plugins\\Microsoft.Azure.RecoveryServices.VMSnapshot\\1.0\\IaaSBcdrExtension.exe";
    let hit = || {
        Case::new()
            .windows()
            .signal("win.av-detection", "2024-03-15T10:00:00Z", "Windows/Defender.evtx", 5, "quarantined")
            .capture("path", path)
    };
    let draft = hit().run(&AntivirusInterference).unwrap();
    assert!(draft.summary.contains("no Defender exclusion"), "{}", draft.summary);
    let excluded = hit()
        .signal("win.av-config", "2024-03-15T11:00:00Z", "Windows/Defender.evtx", 6, "Exclusions changed")
        .capture("new", "HKLM\\...\\Exclusions\\Paths\\C:\\Packages\\Plugins\\Microsoft.Azure.RecoveryServices.VMSnapshot")
        .run(&AntivirusInterference)
        .unwrap();
    assert!(
        excluded.summary.contains("an exclusion for the plugin folder was added"),
        "{}",
        excluded.summary
    );
    let elsewhere = Case::new()
        .windows()
        .signal("win.av-detection", "2024-03-15T10:00:00Z", "Windows/Defender.evtx", 5, "quarantined")
        .capture("path", "C:\\Users\\x\\Downloads\\tool.exe")
        .run(&AntivirusInterference);
    assert!(elsewhere.is_none());
}

#[test]
fn application_control_blocking_is_an_error_and_auditing_a_warning() {
    let event = |text: &str| {
        Case::new()
            .windows()
            .signal("win.app-control", "2024-03-15T10:00:00Z", "Windows/AppLocker.evtx", 3, text)
            .capture(
                "path",
                "%OSDRIVE%\\PACKAGES\\PLUGINS\\MICROSOFT.AZURE.RECOVERYSERVICES.VMSNAPSHOT\\X.EXE",
            )
            .run(&AppControlBlock)
    };
    assert_eq!(event("event 8004 was blocked").unwrap().severity, Some(Severity::Error));
    assert_eq!(
        event("event 8003 was allowed but would be blocked").unwrap().severity,
        Some(Severity::Warning)
    );
    let other = Case::new()
        .windows()
        .signal("win.app-control", "2024-03-15T10:00:00Z", "Windows/AppLocker.evtx", 3, "event 8004")
        .capture("path", "C:\\Tools\\other.exe")
        .run(&AppControlBlock);
    assert!(other.is_none());
}

/// A VSS error at `time`, and a snapshot failure at 12:00.
fn vss_error_at(time: &str) -> Case {
    Case::new()
        .windows()
        .signal("win.vss-error", time, APP_EVTX, 9, "Volume Shadow Copy Service error")
        .signal("snap.failure", "2024-03-15T12:00:00Z", PLUGIN_LOG, 40, "Snapshot failed")
}

#[test]
fn service_errors_within_an_hour_of_a_failure_are_tied_to_it() {
    for time in ["2024-03-15T11:00:00Z", "2024-03-15T13:00:00Z"] {
        let draft = vss_error_at(time).run(&VssFailure).unwrap();
        assert_eq!(draft.severity, Some(Severity::Error), "{time}");
        assert!(draft.summary.contains("within 60 min of snapshot failures"), "{}", draft.summary);
    }
    let far = vss_error_at("2024-03-15T10:59:00Z").run(&VssFailure).unwrap();
    assert_eq!(far.severity, Some(Severity::Warning));
    assert!(far.summary.contains("none within 60 min"), "{}", far.summary);
    assert!(Case::new().windows().run(&VssFailure).is_none());
}

#[test]
fn com_failures_count_only_for_com_and_msdtc_services() {
    let service = |name: &str| {
        Case::new()
            .windows()
            .signal("win.service-failure", "2024-03-15T10:00:00Z", SYSTEM_EVTX, 2, "service terminated")
            .capture("service", name)
            .run(&ComMsdtcFailure)
    };
    assert!(service("Distributed Transaction Coordinator").is_some());
    assert!(service("Print Spooler").is_none());
}

#[test]
fn bitlocker_tls_vcredist_and_dotnet_fire_on_their_own_signals_only() {
    let one = |name: &str, path: &str, text: &str, rule: &dyn Diagnosis| {
        Case::new().windows().signal(name, "2024-03-15T10:00:00Z", path, 1, text).run(rule)
    };
    assert!(one("win.bitlocker-locked", SYSTEM_EVTX, "volume locked", &BitlockerLocked).is_some());
    assert!(Case::new().windows().run(&BitlockerLocked).is_none());
    let tls = one("win.tls-error", SYSTEM_EVTX, "Schannel fatal alert", &TlsChannelFailure).unwrap();
    assert_eq!(tls.severity, Some(Severity::Warning), "no failure to tie it to");
    assert!(Case::new().windows().run(&TlsChannelFailure).is_none());
    assert!(one(
        "win.msi-failure",
        APP_EVTX,
        "Microsoft Visual C++ 2015 install failed",
        &VcRedistInstallFailed
    )
    .is_some());
    assert!(one("win.msi-failure", APP_EVTX, "Some Other Product install failed", &VcRedistInstallFailed)
        .is_none());
    assert!(one(
        "agent.dotnet-missing",
        "WindowsAzure/Logs/WaAppAgent.log",
        ".NET 4.5 missing",
        &DotnetMissing
    )
    .is_some());
    assert!(one("win.msi-failure", APP_EVTX, "Visual C++ install failed", &DotnetMissing).is_none());
}
