//! Windows state the bundle may carry besides logs: registry hives and `vssadmin list writers` output,
//! feeding facts and the dhcp-disabled, agent-outdated, dotnet-missing and vss-failure diagnoses.

mod common;

use snaptriage::{analyze_bytes, Options};
use snaptriage_fixtures::regf::{write_hive, Data, Key};

const FILETIME_2024: u64 = 133_500_000_000_000_000;

fn software(dotnet_present: u32, agent_version: &str) -> Vec<u8> {
    let mut root = Key::new("ROOT", FILETIME_2024);
    let guest = "Microsoft\\Virtual Machine\\Guest";
    root.insert(guest, "RequiredDotNetVersionPresent", Data::Dword(dotnet_present));
    root.insert(guest, "GuestAgentVersion", Data::Sz(agent_version.into()));
    root.insert(guest, "DHCPStatus", Data::Sz("Enabled".into()));
    root.insert(
        "Microsoft\\Windows Defender\\Exclusions\\Paths",
        "C:\\Packages\\Plugins\\Microsoft.Azure.RecoveryServices.VMSnapshot",
        Data::Dword(0),
    );
    root.insert(
        "Microsoft\\Windows NT\\CurrentVersion",
        "ProductName",
        Data::Sz("Windows Server 2019 Datacenter".into()),
    );
    write_hive(&root)
}

fn system(enable_dhcp: u32) -> Vec<u8> {
    let mut root = Key::new("ROOT", FILETIME_2024);
    root.insert("Select", "Current", Data::Dword(1));
    let nic =
        "ControlSet001\\Services\\Tcpip\\Parameters\\Interfaces\\{6f3c1e7a-0d2b-4d8e-9a41-2b7c5f0e9d11}";
    root.insert(nic, "EnableDHCP", Data::Dword(enable_dhcp));
    root.insert(nic, "IPAddress", Data::MultiSz(vec!["10.1.0.4".into()]));
    // A stale control set that must be ignored.
    let old =
        "ControlSet002\\Services\\Tcpip\\Parameters\\Interfaces\\{6f3c1e7a-0d2b-4d8e-9a41-2b7c5f0e9d11}";
    root.insert(old, "EnableDHCP", Data::Dword(0));
    root.insert(old, "IPAddress", Data::MultiSz(vec!["10.9.9.9".into()]));
    write_hive(&root)
}

const WRITERS: &str = "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n\
(C) Copyright 2001-2013 Microsoft Corp.\r\n\r\n\
Writer name: 'System Writer'\r\n   Writer Id: {e8132975-6f93-4464-a53e-1050253ae220}\r\n\
   Writer Instance Id: {e8bf2b77-4c53-4c0b-9e4e-1f6e2fd4d8b4}\r\n   State: [1] Stable\r\n   Last error: No error\r\n\r\n\
Writer name: 'SqlServerWriter'\r\n   Writer Id: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}\r\n\
   Writer Instance Id: {2ae1d9c3-4a4f-4e39-98ea-7d1a1a4b53ff}\r\n   State: [8] Failed\r\n   Last error: Timed out\r\n";

/// A bundle whose agent log holds only a heartbeat: the agent's version comes from the registry.
fn bundle(software: Vec<u8>, system: Vec<u8>, writers: &str) -> Vec<u8> {
    let agent_log = "[00000020] 2024-03-15T08:00:00Z [HEART] WindowsAzureGuestAgent Heartbeat.\r\n";
    common::zip_bundle(&[
        ("WindowsAzure/Logs/WaAppAgent.log", agent_log.as_bytes()),
        ("Windows/System32/config/SOFTWARE", &software),
        ("Windows/System32/config/SYSTEM", &system),
        ("vssadmin_list_writers.txt", writers.as_bytes()),
    ])
}

fn ids(bytes: Vec<u8>) -> (Vec<String>, snaptriage::report::Report) {
    let report = analyze_bytes("win.zip", bytes, &Options::default()).unwrap().report;
    (report.findings.iter().map(|f| f.id.clone()).collect(), report)
}

#[test]
fn healthy_registry_and_writers_give_no_finding_but_fill_the_facts() {
    let stable = WRITERS.replace("[8] Failed", "[1] Stable").replace("Timed out", "No error");
    let (found, report) = ids(bundle(software(1, "2.7.41491.1149"), system(1), &stable));
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(report.facts.agent_version.as_deref(), Some("2.7.41491.1149"));
    assert_eq!(report.bundle.os, "windows");
    assert_eq!(
        report.facts.defender_exclusions,
        vec!["C:\\Packages\\Plugins\\Microsoft.Azure.RecoveryServices.VMSnapshot"]
    );
    assert_eq!(
        report.facts.registry.get("Microsoft\\Virtual Machine\\Guest\\DHCPStatus").map(String::as_str),
        Some("Enabled")
    );
    assert!(!report.facts.registry.keys().any(|k| k.starts_with("ControlSet002")), "stale control set read");
    assert_eq!(report.facts.vss_writers.len(), 2);
    assert!(
        report.inventory.iter().all(|e| e.status == snaptriage::inventory::MemberStatus::Parsed),
        "{:?}",
        report.inventory
    );
}

#[test]
fn registry_values_drive_dhcp_dotnet_and_agent_findings() {
    let (found, report) = ids(bundle(software(0, "2.6.1198.500"), system(0), WRITERS));
    for id in ["dhcp-disabled", "dotnet-missing", "agent-outdated", "vss-failure"] {
        assert!(found.iter().any(|f| f == id), "{id} missing from {found:?}");
    }
    let dhcp = report.findings.iter().find(|f| f.id == "dhcp-disabled").unwrap();
    assert!(
        dhcp.evidence
            .iter()
            .any(|e| e.path == "Windows/System32/config/SYSTEM" && e.text.contains("EnableDHCP = 0")),
        "{:?}",
        dhcp.evidence
    );
    let vss = report.findings.iter().find(|f| f.id == "vss-failure").unwrap();
    assert!(vss.evidence.iter().any(|e| e.text.contains("SqlServerWriter") && e.text.contains("[8] Failed")));
}

#[test]
fn a_damaged_hive_is_reported_and_the_rest_still_analysed() {
    let mut hive = software(0, "2.7.41491.1149");
    hive.truncate(hive.len() / 3);
    for b in hive.iter_mut().skip(4200).take(64) {
        *b = 0xAB;
    }
    let (found, report) = ids(bundle(hive, system(0), WRITERS));
    let entry = report.inventory.iter().find(|e| e.path.ends_with("SOFTWARE")).unwrap();
    assert!(
        matches!(
            entry.status,
            snaptriage::inventory::MemberStatus::Failed | snaptriage::inventory::MemberStatus::Parsed
        ),
        "{entry:?}"
    );
    assert!(found.iter().any(|f| f == "dhcp-disabled"), "{found:?}");
}
