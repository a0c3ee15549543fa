//! One UTC timeline: how local-time sources are converted, and that the report says so.

mod common;

use snaptriage::timeline::parse_zone;
use snaptriage::{analyze_bytes, Options};

const EXT_LOG: &str = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log";

/// Three daily backups: the agent (UTC) enables the extension at 19:30Z; the Python 2 extension (local time,
/// UTC+02:00) starts its run a few seconds later; the last run fails to freeze.
fn cross_source_bundle(with_zone_file: Option<&str>) -> Vec<u8> {
    let mut agent = String::new();
    let mut ext = String::new();
    for day in 13..=15 {
        agent.push_str(&format!(
            "2024-03-{day}T19:30:00.100000Z INFO ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0] Enable extension: [main/handle.sh enable]\n"
        ));
        ext.push_str(&format!("2024/03/{day} 21:30:03 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]starting daemon initially\n"));
        ext.push_str(&format!("2024/03/{day} 21:30:05 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]T:S freeze, timeout value 60\n"));
    }
    ext.push_str("2024/03/15 21:30:06 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]Failed to FIFREEZE: /data with error message: Operation not supported\n");
    let mut files: Vec<(&str, &[u8])> =
        vec![("var/log/waagent.log", agent.as_bytes()), (EXT_LOG, ext.as_bytes())];
    if let Some(z) = with_zone_file {
        files.push(("etc/timezone", z.as_bytes()));
    }
    common::zip_bundle(&files)
}

fn basis_of(report: &snaptriage::report::Report, path: &str) -> serde_json::Value {
    let facts = serde_json::to_value(&report.facts).unwrap();
    facts["sources"].as_array().unwrap().iter().find(|s| s["path"] == path).cloned().unwrap()
}

#[test]
fn offset_is_inferred_from_the_agent_and_extension_logs() {
    let report = analyze_bytes("b.zip", cross_source_bundle(None), &Options::default()).unwrap().report;
    let ext = basis_of(&report, EXT_LOG);
    assert_eq!(ext["basis"], "local-inferred");
    assert_eq!(ext["offset"], "+02:00");
    assert_eq!(basis_of(&report, "var/log/waagent.log")["basis"], "utc");
    let freeze = report.findings.iter().find(|f| f.id == "fsfreeze-failed").unwrap();
    assert_eq!(freeze.first_seen.map(|t| t.to_string()).as_deref(), Some("2024-03-15T19:30:06.000000Z"));
}

#[test]
fn the_bundles_zone_wins_over_inference_and_the_users_over_both() {
    let report = analyze_bytes("b.zip", cross_source_bundle(Some("Asia/Kolkata\n")), &Options::default())
        .unwrap()
        .report;
    let ext = basis_of(&report, EXT_LOG);
    assert_eq!((ext["basis"].as_str(), ext["zone"].as_str()), (Some("local-zone"), Some("Asia/Kolkata")));
    let freeze = report.findings.iter().find(|f| f.id == "fsfreeze-failed").unwrap();
    assert_eq!(freeze.first_seen.map(|t| t.to_string()).as_deref(), Some("2024-03-15T16:00:06.000000Z"));

    let opts = Options { timezone: Some(parse_zone("UTC").unwrap()), ..Options::default() };
    let report = analyze_bytes("b.zip", cross_source_bundle(Some("Asia/Kolkata\n")), &opts).unwrap().report;
    assert_eq!(basis_of(&report, EXT_LOG)["basis"], "local-given");
    let freeze = report.findings.iter().find(|f| f.id == "fsfreeze-failed").unwrap();
    assert_eq!(freeze.first_seen.map(|t| t.to_string()).as_deref(), Some("2024-03-15T21:30:06.000000Z"));
}

#[test]
fn mixed_era_agent_log_reveals_its_own_offset() {
    // A 2.2.45 daemon writes local time (UTC-05:00) next to a 2.9 extension handler writing UTC.
    let log = "\
2024/03/15 07:00:00.100000 INFO Daemon Azure Linux Agent Version:2.2.45
2024-03-15T12:00:01.200000Z INFO ExtHandler ExtHandler Azure Linux Agent (Goal State Agent version 2.9.1.1)
2024/03/15 07:10:00.100000 INFO Daemon Daemon is running
2024-03-15T12:10:02.200000Z INFO ExtHandler ExtHandler ProcessExtensionsGoalState completed [incarnation_2 100 ms]
";
    let report = analyze_bytes(
        "b.zip",
        common::zip_bundle(&[("var/log/waagent.log", log.as_bytes())]),
        &Options::default(),
    )
    .unwrap()
    .report;
    let agent = basis_of(&report, "var/log/waagent.log");
    assert_eq!((agent["basis"].as_str(), agent["offset"].as_str()), (Some("local-inferred"), Some("-05:00")));
    assert_eq!(agent["first"], "2024-03-15T12:00:00.100000Z");
    assert_eq!(report.facts.daemon_version.as_deref(), Some("2.2.45"));
    assert_eq!(report.facts.agent_version.as_deref(), Some("2.9.1.1"));
}

#[test]
fn without_any_clue_local_time_is_assumed_utc_and_said_so() {
    let ext = "2024/03/15 21:30:06 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]Failed to FIFREEZE: /data\n";
    let report =
        analyze_bytes("b.zip", common::zip_bundle(&[(EXT_LOG, ext.as_bytes())]), &Options::default())
            .unwrap()
            .report;
    assert_eq!(basis_of(&report, EXT_LOG)["basis"], "local-assumed-utc");
    assert_eq!(report.facts.time_zone.as_deref(), Some("local-assumed-utc"));
}

#[test]
fn syslog_lines_without_a_year_are_dated_by_the_other_sources() {
    // The archive's own timestamps say 2024 (common::zip_bundle); the agent log says the VM lived in early 2025,
    // and the syslog's last line (Jan 2) is after its first (Dec 30), so it spans the new year.
    let agent = "2025-01-02T10:00:00.000000Z INFO ExtHandler ExtHandler ProcessExtensionsGoalState completed [incarnation_9 100 ms]\n";
    let syslog = "Dec 30 23:59:00 vm kernel: [12.0] hello\nJan  2 09:00:00 vm kernel: INFO: task jbd2/sda1-8:412 blocked for more than 120 seconds.\n";
    let bundle = common::zip_bundle(&[
        ("var/log/waagent.log", agent.as_bytes()),
        ("var/log/syslog", syslog.as_bytes()),
    ]);
    let report = analyze_bytes("b.zip", bundle, &Options::default()).unwrap().report;
    let s = basis_of(&report, "var/log/syslog");
    assert_eq!(
        (s["first"].as_str(), s["last"].as_str()),
        (Some("2024-12-30T23:59:00.000000Z"), Some("2025-01-02T09:00:00.000000Z"))
    );
}
