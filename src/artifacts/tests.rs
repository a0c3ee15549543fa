//! The registry's own checks (every entry, its patterns and its samples) and the classification of paths
//! bundles really hold.

use super::*;

fn kind(p: &str) -> ArtifactKind {
    classify(p).kind
}

/// Paths where two plausible rules meet: each must go to exactly one artifact.
const BORDER_PATHS: &[(&str, ArtifactKind)] = &[
    (
        "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log",
        ArtifactKind::VmSnapshotLog,
    ),
    (
        "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/CommandExecution.log",
        ArtifactKind::ExtensionLog,
    ),
    ("var/log/azure/custom-script/extension.log", ArtifactKind::ExtensionLog),
    ("var/log/azure/custom-script/shell.log", ArtifactKind::ExtensionLog),
    ("var/log/azure/custom-script/heartbeat.log", ArtifactKind::ExtensionLog),
    ("var/log/azure/waagent.log", ArtifactKind::WaagentLog),
    (
        "WindowsAzure/Logs/Plugins/Microsoft.Compute.CustomScriptExtension/1.10/heartbeat.log",
        ArtifactKind::Heartbeat,
    ),
    ("WindowsAzure/Logs/heartbeat.log", ArtifactKind::Heartbeat),
    ("WindowsAzure/Logs/vssadmin.log", ArtifactKind::VssWriters),
    (
        "WindowsAzure/Logs/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0/vssadmin.txt",
        ArtifactKind::VssWriters,
    ),
    ("var/log/azure/run-command/vssadmin.txt", ArtifactKind::VssWriters),
    ("var/lib/waagent/WALinuxAgent-2.10.0.8/HandlerManifest.json", ArtifactKind::Unknown),
    ("var/log/auth.log", ArtifactKind::Unknown),
    ("var/lib/waagent/GoalState.x.xml", ArtifactKind::Unknown),
    ("Windows/System32/config/SAM", ArtifactKind::Unknown),
    ("var/log/azure/results.txt", ArtifactKind::ExtensionLog),
    ("etc/netplan/sub/50-cloud-init.yaml", ArtifactKind::Unknown),
];

#[test]
fn every_kind_has_one_entry_in_the_table_and_its_entry_names_it() {
    let mut seen = std::collections::HashSet::new();
    for entry in REGISTRY {
        assert!(seen.insert(entry.kind), "{} is listed twice", entry.name);
        assert!(std::ptr::eq(entry.kind.spec(), *entry), "{}: the table and `spec` disagree", entry.name);
        let serde_name = serde_json::to_value(entry.kind).unwrap();
        assert_eq!(serde_name, entry.name, "the serialised name is the report name");
        assert_eq!(ArtifactKind::from_name(entry.name), Some(entry.kind));
    }
    // `Unknown` is the last variant: every discriminant below it is a kind, and each has a table entry.
    assert_eq!(REGISTRY.len(), ArtifactKind::Unknown as usize + 1);
}

#[test]
fn every_sample_classifies_to_its_entry_and_no_other_entry_claims_it() {
    for entry in REGISTRY {
        assert_eq!(
            entry.samples.is_empty(),
            entry.patterns.is_empty(),
            "{}: patterns need samples",
            entry.name
        );
        for sample in entry.samples {
            assert_eq!(kind(sample), entry.kind, "{sample}");
            assert_eq!(claimants(sample), vec![entry.kind], "{sample}");
        }
    }
}

#[test]
fn a_gzip_of_any_artifact_but_an_archive_is_that_artifact_gzipped() {
    for entry in REGISTRY {
        for sample in entry.samples.iter().filter(|s| !s.to_ascii_lowercase().ends_with(".gz")) {
            let gz = format!("{sample}.gz");
            let expected = match entry.kind {
                ArtifactKind::Archive => Classification { kind: ArtifactKind::Unknown, gzipped: false },
                kind => Classification { kind, gzipped: true },
            };
            // A `.tar` gzipped is a `.tar.gz`: an archive by its whole name.
            if gz.to_ascii_lowercase().ends_with(".tar.gz") {
                continue;
            }
            assert_eq!(classify(&gz), expected, "{gz}");
        }
    }
}

#[test]
fn paths_where_rules_meet_go_to_one_artifact() {
    for (path, expected) in BORDER_PATHS {
        assert_eq!(kind(path), *expected, "{path}");
        let claims = claimants(path);
        let expected_claims = if *expected == ArtifactKind::Unknown { vec![] } else { vec![*expected] };
        assert_eq!(claims, expected_claims, "{path}");
    }
}

#[test]
fn pattern_literals_are_lowercase_because_paths_are_matched_lowercased() {
    for entry in REGISTRY {
        for p in entry.patterns {
            let names = p.names.iter().chain(p.except).flat_map(|n| n.literals());
            let folders = p.folders.iter().map(|f| f.literal());
            for literal in names.chain(folders) {
                assert_eq!(literal, literal.to_ascii_lowercase(), "{}: `{literal}`", entry.name);
                assert!(!literal.contains('\\'), "{}: `{literal}` uses `/` only", entry.name);
            }
        }
    }
}

#[test]
fn only_year_less_parsers_read_logs_timed_without_a_year() {
    for entry in REGISTRY {
        let year_less =
            matches!(entry.reading, Reading::LineLog(LineLog { parser: LineParser::YearLess(_), .. }));
        assert_eq!(year_less, entry.clock == Clock::LocalWithoutYear, "{}", entry.name);
    }
}

#[test]
fn os_evidence_per_kind() {
    let linux: Vec<&str> =
        REGISTRY.iter().filter(|a| a.identifies_os == Some(Os::Linux)).map(|a| a.name).collect();
    assert_eq!(
        linux,
        ["waagent-log", "waagent-conf", "os-release", "vmsnapshot-log", "vmsnapshot-shell-log", "syslog"]
    );
    let windows: Vec<&str> = REGISTRY.iter().filter(|a| a.kind.is_windows()).map(|a| a.name).collect();
    assert_eq!(
        windows,
        ["evtx", "registry-hive", "vss-writers", "aggregate-status", "plugin-log", "waappagent-log"]
    );
}

#[test]
fn readers_follow_the_kind() {
    assert!(ArtifactKind::WaagentLog.is_line_log());
    assert!(ArtifactKind::PluginLog.is_line_log());
    assert!(!ArtifactKind::ExtStatus.is_line_log());
    assert!(ArtifactKind::Evtx.is_event_log());
    assert!(!ArtifactKind::Syslog.is_event_log());
    assert!(matches!(ArtifactKind::Unknown.spec().reading, Reading::Ignored));
    assert!(matches!(ArtifactKind::Archive.spec().reading, Reading::Archive));
}

#[test]
fn waagent_log_is_found_under_any_prefix_and_rotation() {
    for p in [
        "var/log/waagent.log",
        "logs/var/log/waagent.log",
        "/var/log/waagent.log",
        "var/log/waagent.log.1",
        "C:\\bundle\\var\\log\\WAAGENT.LOG",
    ] {
        assert_eq!(classify(p), Classification { kind: ArtifactKind::WaagentLog, gzipped: false }, "{p}");
    }
    for p in ["var/log/waagent.log.3.gz", "var/log/waagent.log-2024-03-15-1710500000.gz"] {
        assert_eq!(classify(p), Classification { kind: ArtifactKind::WaagentLog, gzipped: true }, "{p}");
    }
}

#[test]
fn var_lib_waagent_files() {
    assert_eq!(kind("var/lib/waagent/GoalState.12.xml"), ArtifactKind::GoalState);
    assert_eq!(kind("var/lib/waagent/history/2024-03-15T17-10-47__3/GoalState.xml"), ArtifactKind::GoalState);
    assert_eq!(kind("var/lib/waagent/ExtensionsConfig.3.xml"), ArtifactKind::ExtensionsConfig);
    assert_eq!(kind("var/lib/waagent/GoalState.x.xml"), ArtifactKind::Unknown);
    assert_eq!(kind("var/lib/waagent/waagent_status.7.json"), ArtifactKind::WaagentStatus);
    let ext = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0";
    assert_eq!(kind(&format!("{ext}/status/12.status")), ArtifactKind::ExtStatus);
    assert_eq!(kind(&format!("{ext}/config/12.settings")), ArtifactKind::ExtSettings);
    assert_eq!(kind(&format!("{ext}/config/HandlerState")), ArtifactKind::HandlerState);
    assert_eq!(kind(&format!("{ext}/config/HandlerStatus")), ArtifactKind::HandlerStatus);
    assert_eq!(kind(&format!("{ext}/HandlerEnvironment.json")), ArtifactKind::HandlerEnvironment);
    assert_eq!(kind(&format!("{ext}/mrseq")), ArtifactKind::Mrseq);
    assert_eq!(kind("var/lib/waagent/history/2024-03-15T17-10-47__3.zip"), ArtifactKind::Archive);
}

#[test]
fn extension_logs_and_system_logs() {
    let d = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux";
    assert_eq!(kind(&format!("{d}/extension.log")), ArtifactKind::VmSnapshotLog);
    assert_eq!(kind(&format!("{d}/extension.log.1")), ArtifactKind::VmSnapshotLog);
    assert_eq!(kind(&format!("{d}/shell.log")), ArtifactKind::VmSnapshotShellLog);
    assert_eq!(kind(&format!("{d}/CommandExecution.log")), ArtifactKind::ExtensionLog);
    assert_eq!(kind("var/log/azure/custom-script/handler.log"), ArtifactKind::ExtensionLog);
    assert_eq!(kind("var/log/syslog.2.gz"), ArtifactKind::Syslog);
    assert_eq!(kind("var/log/messages-20240301"), ArtifactKind::Syslog);
    assert_eq!(kind("var/log/dmesg.0"), ArtifactKind::Dmesg);
    assert_eq!(kind("var/log/auth.log"), ArtifactKind::Unknown);
    assert_eq!(kind("results.txt"), ArtifactKind::CollectorResults);
    assert_eq!(kind("etc/waagent.conf"), ArtifactKind::WaagentConf);
    assert_eq!(kind("etc/azure/vmbackup.conf"), ArtifactKind::VmBackupConf);
    assert_eq!(kind("etc/sysconfig/network-scripts/ifcfg-eth0"), ArtifactKind::NetworkConfig);
    assert_eq!(kind("etc/netplan/50-cloud-init.yaml"), ArtifactKind::NetworkConfig);
    assert_eq!(kind("etc/timezone"), ArtifactKind::TimeZone);
    assert_eq!(kind("etc/os-release"), ArtifactKind::OsRelease);
}

#[test]
fn windows_artifacts_by_suffix_with_either_separator() {
    assert_eq!(kind("C/WindowsAzure/Logs/WaAppAgent.log"), ArtifactKind::WaAppAgentLog);
    assert_eq!(kind("WindowsAzure\\Logs\\TransparentInstaller.log"), ArtifactKind::WaAppAgentLog);
    let plugin = "WindowsAzure/Logs/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.75.0";
    assert_eq!(kind(&format!("{plugin}/IaaSBcdrExtension0.log")), ArtifactKind::PluginLog);
    assert_eq!(
        kind("WindowsAzure/Logs/AggregateStatus/aggregatestatus_20240315.json"),
        ArtifactKind::AggregateStatus
    );
    let pkg = "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.75.0";
    assert_eq!(kind(&format!("{pkg}/Status/12.status")), ArtifactKind::ExtStatus);
    assert_eq!(kind(&format!("{pkg}/RuntimeSettings/12.settings")), ArtifactKind::ExtSettings);
    assert_eq!(kind(&format!("{pkg}/Status/HeartBeat.Json")), ArtifactKind::Heartbeat);
    assert_eq!(
        kind("Windows/System32/winevt/Logs/Microsoft-Windows-Windows Defender%4Operational.evtx"),
        ArtifactKind::Evtx
    );
    assert_eq!(kind("Windows/System32/config/SOFTWARE"), ArtifactKind::RegistryHive);
    assert_eq!(kind("Windows/System32/config/SAM"), ArtifactKind::Unknown);
    assert_eq!(kind("vssadmin_list_writers.txt"), ArtifactKind::VssWriters);
}

#[test]
fn archives_are_opened_in_place() {
    for p in ["logs.zip", "a/b.tar.gz", "x.TGZ", "y.tar"] {
        assert_eq!(kind(p), ArtifactKind::Archive, "{p}");
    }
}
