//! Windows correlation rules, fed small explicit bundles: an event log written for the test and the backup
//! extension's status file.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use snaptriage::report::{Confidence, Severity};
use snaptriage::{analyze_bytes, Options};
use snaptriage_fixtures::evtx::{write_evtx, EventSpec};

const STATUS: &str = "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.92.0/Status/7.status";
const APP_LOG: &str = "Windows/System32/winevt/Logs/Application.evtx";

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 7, h, m, 0).unwrap()
}

fn crash(program: &str, time: DateTime<Utc>) -> EventSpec {
    let mut e = EventSpec::new("Application Error", 1000, "Application", "vm01", time).named(vec![
        ("AppName", program),
        ("AppVersion", "1.0.92.0"),
        ("ModuleName", "ntdll.dll"),
        ("ExceptionCode", "c0000005"),
    ]);
    e.level = 2;
    e
}

fn status(outcome: &str, time: DateTime<Utc>) -> String {
    format!(
        r#"[{{"version":"1.0","timestampUTC":"{}","status":{{"name":"Microsoft.Azure.RecoveryServices.VMSnapshot","operation":"Enable","status":"{outcome}","code":1,"formattedMessage":{{"lang":"en-US","message":"run finished"}}}}}}]"#,
        time.format("%Y-%m-%dT%H:%M:%SZ")
    )
}

fn findings(events: &[EventSpec], status_json: &str) -> Vec<snaptriage::report::Finding> {
    let log = write_evtx(events);
    let bundle = common::zip_bundle(&[(APP_LOG, &log), (STATUS, status_json.as_bytes())]);
    analyze_bytes("w.zip", bundle, &Options::default()).unwrap().report.findings
}

#[test]
fn a_crash_minutes_before_the_failure_is_critical() {
    let f = findings(&[crash("IaaSBcdrExtension.exe", at(23, 4))], &status("error", at(23, 9)));
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0].id.as_str(), f[0].severity, f[0].confidence),
        ("vmsnapshot-crash", Severity::Critical, Confidence::High)
    );
    assert!(f[0].summary.contains("5m before the snapshot failed"), "{}", f[0].summary);
}

#[test]
fn a_crash_with_no_failure_after_it_is_a_warning() {
    // The crash is 3 hours before the failure: outside the 30-minute window.
    let f = findings(&[crash("IaaSBcdrExtension.exe", at(20, 0))], &status("error", at(23, 9)));
    let found = f.iter().find(|f| f.id == "vmsnapshot-crash").unwrap();
    assert_eq!((found.severity, found.confidence), (Severity::Warning, Confidence::Medium));
    // That crash does not explain the later failure, which is reported on its own.
    assert!(f.iter().any(|f| f.id == "vmsnapshot-failed"), "{f:?}");
    let ok = findings(&[crash("IaaSBcdrExtension.exe", at(20, 0))], &status("success", at(23, 9)));
    assert_eq!(
        ok.iter().map(|f| (f.id.as_str(), f.severity)).collect::<Vec<_>>(),
        vec![("vmsnapshot-crash", Severity::Warning)]
    );
}

#[test]
fn crashes_of_other_programs_never_count() {
    let f = findings(
        &[crash("chrome.exe", at(23, 4)), crash("w3wp.exe", at(23, 6))],
        &status("error", at(23, 9)),
    );
    assert_eq!(f.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), vec!["vmsnapshot-failed"]);
}

#[test]
fn positional_layout_of_older_windows_is_read_too() {
    let mut e = EventSpec::new("Application Error", 1000, "Application", "vm01", at(23, 1)).positional(vec![
        "IaaSBcdrExtension.exe",
        "1.0.75.0",
        "5a1e2b3c",
        "KERNELBASE.dll",
        "6.3.9600.19000",
        "e0434352",
    ]);
    e.level = 2;
    let f = findings(&[e], &status("error", at(23, 2)));
    assert_eq!(f.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), vec!["vmsnapshot-crash"]);
}
