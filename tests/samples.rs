//! Every checked-in sample bundle yields exactly its expected findings, and the checked-in files are what the
//! generator writes today.

use std::path::{Path, PathBuf};

use snaptriage::{analyze_bytes, Options};
use snaptriage_fixtures::{bundle_bytes, bundle_file_name, linux_scenarios, windows_scenarios, Scenario};

/// Every scenario with the folder its bundle is checked in under.
fn all_scenarios() -> Vec<(&'static str, Scenario)> {
    let linux = linux_scenarios().into_iter().map(|s| ("linux", s));
    linux.chain(windows_scenarios().into_iter().map(|s| ("windows", s))).collect()
}

fn sample_path(os: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(os).join(file)
}

#[test]
fn every_sample_yields_exactly_its_expected_findings() {
    let mut failures = Vec::new();
    for (os, s) in all_scenarios() {
        let file = bundle_file_name(&s);
        let bytes = std::fs::read(sample_path(os, &file)).unwrap_or_else(|e| {
            panic!("{file}: {e} (run `cargo run -p snaptriage-fixtures --bin gen-samples`)")
        });
        let report = analyze_bytes(&file, bytes, &Options::default()).unwrap().report;
        assert_eq!(report.bundle.os, os, "{file}");
        let mut got: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
        got.sort_unstable();
        let mut want = s.expected.clone();
        want.sort_unstable();
        if got != want {
            let detail: Vec<String> = report
                .findings
                .iter()
                .map(|f| format!("{} [{}]: {}", f.id, f.severity.as_str(), f.summary))
                .collect();
            failures.push(format!("{file}: expected {want:?}, got {got:?}\n    {}", detail.join("\n    ")));
        }
        // Healthy bundles give no error; failure bundles give at least one finding that is not mere info.
        if want.is_empty() {
            assert!(!report.has_errors(), "{file}");
        }
        let failed: Vec<_> = report
            .inventory
            .iter()
            .filter(|e| e.status == snaptriage::inventory::MemberStatus::Failed)
            .collect();
        assert!(failed.is_empty(), "{file}: members failed to parse: {failed:?}");
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn checked_in_samples_are_what_the_generator_writes() {
    for (os, s) in all_scenarios() {
        let file = bundle_file_name(&s);
        let on_disk = std::fs::read(sample_path(os, &file)).unwrap_or_default();
        assert!(
            on_disk == bundle_bytes(&s),
            "{file} is stale: run `cargo run -p snaptriage-fixtures --bin gen-samples`"
        );
    }
}

#[test]
fn there_is_a_sample_for_every_linux_finding() {
    let covered: Vec<&str> = linux_scenarios().iter().flat_map(|s| s.expected.clone()).collect();
    for id in [
        "agent-not-running",
        "agent-outdated",
        "agent-config-blocks-extensions",
        "wireserver-unreachable",
        "dhcp-disabled",
        "storage-unreachable",
        "python-unsupported",
        "extension-failed",
        "vmsnapshot-failed",
        "vmsnapshot-stuck-deleting",
        "extension-settings-undecryptable",
        "snapshot-timeout",
        "fsfreeze-failed",
        "mount-unopenable",
        "snapshot-limit-reached",
        "backup-overlap",
    ] {
        assert!(covered.contains(&id), "no sample for {id}");
    }
    let healthy = linux_scenarios().iter().filter(|s| s.expected.is_empty()).count();
    assert!(healthy >= 2);
}

#[test]
fn there_is_a_sample_for_every_windows_finding() {
    let covered: Vec<&str> = windows_scenarios().iter().flat_map(|s| s.expected.clone()).collect();
    for id in [
        "vmsnapshot-crash",
        "antivirus-interference",
        "app-control-block",
        "vss-failure",
        "com-msdtc-failure",
        "vcredist-install-failed",
        "bitlocker-locked",
        "tls-channel-failure",
        "dotnet-missing",
        "agent-not-running",
        "wireserver-unreachable",
        "dhcp-disabled",
        "extension-failed",
        "vmsnapshot-failed",
        "snapshot-timeout",
    ] {
        assert!(covered.contains(&id), "no Windows sample for {id}");
    }
}
