//! `--job-error` / `--job-time`: the report answers for the failed job a ticket names.

use std::process::Command;

use serde_json::Value;

fn job(sample: &str, args: &[&str]) -> Value {
    let os = sample.split('-').next().unwrap();
    let path = format!("{}/samples/{os}/{sample}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_snaptriage"))
        .args(["analyze", &path, "--format", "json", "--progress", "never"])
        .args(args)
        .output()
        .expect("runs");
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    report["job"].clone()
}

#[test]
fn a_guest_cause_is_named_with_the_run_it_matches() {
    let focus = job(
        "linux-fsfreeze-failed.tar.gz",
        &["--job-error", "UserErrorFsFreezeFailed", "--job-time", "2025-04-11 01:10"],
    );
    assert_eq!(focus["answer"], "explained");
    assert_eq!(focus["findings"], serde_json::json!(["fsfreeze-failed"]));
    assert_eq!(focus["run"], "run-4");
    let verdict = focus["verdict"].as_str().unwrap();
    assert!(verdict.contains("explained by fsfreeze-failed") && verdict.contains("121"), "{verdict}");
    assert!(!verdict.contains(".000000"), "{verdict}");
}

#[test]
fn a_control_plane_code_says_so_and_what_to_check_outside_the_vm() {
    let focus = job("windows-healthy.zip", &["--job-error", "UserErrorKeyvaultPermissionsNotConfigured"]);
    assert_eq!(focus["answer"], "control-plane");
    assert_eq!(focus["findings"], serde_json::json!([]));
    assert!(focus["verdict"].as_str().unwrap().contains("outside the VM"), "{}", focus["verdict"]);
    assert!(!focus["check_outside"].as_array().unwrap().is_empty());
}

#[test]
fn a_guest_code_nothing_explains_is_said_plainly() {
    // The snapshot that night succeeded in the guest: the failure is on the platform side.
    let focus = job(
        "windows-healthy.zip",
        &["--job-error", "ExtensionSnapshotFailedNoNetwork", "--job-time", "2024-04-12T21:40:00Z"],
    );
    assert_eq!(focus["answer"], "not-in-guest");
    let verdict = focus["verdict"].as_str().unwrap();
    assert!(
        verdict.starts_with("Nothing in this bundle explains ExtensionSnapshotFailedNoNetwork"),
        "{verdict}"
    );
    assert!(verdict.contains("succeeded in the guest"), "{verdict}");
    assert!(!focus["check_outside"].as_array().unwrap().is_empty());
}

#[test]
fn a_consequence_code_leads_with_its_cause_and_a_time_alone_names_the_run() {
    let focus = job("linux-dhcp-disabled.zip", &["--job-error", "ExtensionSnapshotFailedNoNetwork"]);
    let ids: Vec<&str> = focus["findings"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(ids.first(), Some(&"dhcp-disabled"), "{ids:?}");
    let by_time = job("windows-vmsnapshot-crash.zip", &["--job-time", "2024-06-07T23:10Z"]);
    assert_eq!(by_time["answer"], "run-only");
    assert_eq!(by_time["run"], "run-5");
    assert!(
        by_time["verdict"].as_str().unwrap().contains("root cause is vmsnapshot-crash"),
        "{}",
        by_time["verdict"]
    );
}

#[test]
fn an_unknown_code_and_a_bad_time_are_clear() {
    let focus = job("windows-healthy.zip", &["--job-error", "NotARealCode"]);
    assert_eq!(focus["answer"], "unknown-code");
    let out = Command::new(env!("CARGO_BIN_EXE_snaptriage"))
        .args(["analyze", "samples/windows/windows-healthy.zip", "--job-time", "last tuesday"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a time"));
}
