//! No input makes the engine panic: arbitrary bytes as a bundle, and real-looking bundles whose members hold
//! arbitrary (or arbitrarily damaged) content at every path the classifier knows.

mod common;

use proptest::prelude::*;
use snaptriage::{analyze_bytes, Options};

/// Paths of every artifact kind snaptriage parses.
const PATHS: &[&str] = &[
    "var/log/waagent.log",
    "var/log/waagent.log.1.gz",
    "etc/waagent.conf",
    "etc/azure/vmbackup.conf",
    "etc/timezone",
    "etc/os-release",
    "etc/netplan/50-cloud-init.yaml",
    "etc/sysconfig/network-scripts/ifcfg-eth0",
    "var/lib/waagent/GoalState.3.xml",
    "var/lib/waagent/ExtensionsConfig.3.xml",
    "var/lib/waagent/HostingEnvironmentConfig.xml",
    "var/lib/waagent/SharedConfig.xml",
    "var/lib/waagent/waagent_status.json",
    "var/lib/waagent/history/2024-03-15T17-10-47__3.zip",
    "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/3.status",
    "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/config/3.settings",
    "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/config/HandlerState",
    "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/config/HandlerStatus",
    "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/HandlerEnvironment.json",
    "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/mrseq",
    "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log",
    "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/shell.log",
    "var/log/azure/custom-script/handler.log",
    "var/log/syslog",
    "var/log/dmesg",
    "results.txt",
    "nested/inner.tar.gz",
    "WindowsAzure/Logs/WaAppAgent.log",
    "WindowsAzure/Logs/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.92.0/IaaSBcdrExtension0.log",
    "WindowsAzure/Logs/AggregateStatus/aggregatestatus.json",
    "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.92.0/Status/3.status",
    "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.92.0/Status/HeartBeat.Json",
    "Windows/System32/winevt/Logs/Application.evtx",
    "Windows/System32/config/SOFTWARE",
    "Windows/System32/config/SYSTEM",
    "vssadmin_list_writers.txt",
];

fn member_content() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        // Text that looks like the formats, cut and spliced at random.
        (0usize..4000, 0usize..4000).prop_map(|(a, b)| {
            let text = common::wireserver_outage_log();
            let (lo, hi) = (a.min(b).min(text.len()), a.max(b).min(text.len()));
            text.as_bytes()[lo..hi].to_vec()
        }),
        Just(br#"[{"version":1.0,"timestampUTC":"2024-03-15T19:30:00Z","status":{"status":"success","code":"300"}}]"#.to_vec()),
        Just(b"<Extensions><Plugins><Plugin name=\"x\" version=\"1\" state=\"uninstall\"/></Plugins>".to_vec()),
        // Real headers with damaged bodies: an event log and a registry hive cut and flipped at random.
        (any::<usize>(), any::<u8>()).prop_map(|(at, x)| damaged(evtx_sample(), at, x)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, x)| damaged(hive_sample(), at, x)),
    ]
}

fn evtx_sample() -> Vec<u8> {
    use chrono::TimeZone;
    let t = chrono::Utc.with_ymd_and_hms(2024, 3, 15, 12, 0, 0).unwrap();
    let events: Vec<_> = (0..40)
        .map(|i| {
            snaptriage_fixtures::evtx::EventSpec::new(
                "Application Error",
                1000,
                "Application",
                "vm",
                t + chrono::Duration::minutes(i),
            )
            .named(vec![("AppName", "IaaSBcdrExtension.exe"), ("ExceptionCode", "c0000005")])
        })
        .collect();
    snaptriage_fixtures::evtx::write_evtx(&events)
}

fn hive_sample() -> Vec<u8> {
    use snaptriage_fixtures::regf::{write_hive, Data, Key};
    let mut root = Key::new("ROOT", 133_500_000_000_000_000);
    root.insert("Microsoft\\Virtual Machine\\Guest", "GuestAgentVersion", Data::Sz("2.7.41491.1149".into()));
    root.insert("Select", "Current", Data::Dword(1));
    write_hive(&root)
}

/// `bytes` cut at a random length and with one byte flipped.
fn damaged(mut bytes: Vec<u8>, at: usize, x: u8) -> Vec<u8> {
    let n = bytes.len();
    bytes[at % n] ^= x | 1;
    bytes.truncate(n / 2 + at % (n / 2));
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_as_a_bundle_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = analyze_bytes("fuzz", bytes, &Options::default());
    }

    #[test]
    fn arbitrary_members_never_panic(members in proptest::collection::vec((0..PATHS.len(), member_content()), 1..12)) {
        let mut files: Vec<(&str, &[u8])> = Vec::new();
        for (i, b) in &members {
            if !files.iter().any(|(p, _)| *p == PATHS[*i]) {
                files.push((PATHS[*i], b.as_slice()));
            }
        }
        let bundle = common::zip_bundle(&files);
        let analysis = analyze_bytes("fuzz.zip", bundle, &Options::default());
        prop_assert!(analysis.is_ok());
        let report = analysis.unwrap().report;
        prop_assert!(report.inventory.len() >= files.len().min(1));
    }

    #[test]
    fn damaged_archives_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let log = common::wireserver_outage_log();
        let mut bundle = common::zip_bundle(&[("var/log/waagent.log", log.as_bytes()), ("var/log/waagent.log.2.gz", &common::gz(log.as_bytes()))]);
        let n = bundle.len();
        for (at, x) in flips {
            bundle[at % n] ^= x | 1;
        }
        let _ = analyze_bytes("damaged.zip", bundle, &Options::default());
    }
}
