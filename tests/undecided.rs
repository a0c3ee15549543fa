//! Diagnoses that cannot read what they need say so: a corrupt event log leaves the Windows rules that read
//! it undecided, in every report format, while the readable members are still diagnosed.

mod common;

use snaptriage::report::{render_html, render_markdown, render_table};
use snaptriage::{analyze_bytes, Options};

const SYSTEM_EVTX: &str = "Windows/System32/winevt/Logs/System.evtx";
const AGENT_LOG: &str = "WindowsAzure/Logs/WaAppAgent.log";

fn bundle_with_corrupt_event_log() -> Vec<u8> {
    let agent = "[00000006] 03/15/2024 10:00:00.000 [INFO]  WindowsAzureGuestAgent starting. Version 2.7.41491.1102\n";
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    common::zip_bundle(&[(AGENT_LOG, agent.as_bytes()), (SYSTEM_EVTX, &garbage)])
}

#[test]
fn a_corrupt_event_log_leaves_the_rules_reading_it_undecided() {
    let report = analyze_bytes("corrupt-evtx.zip", bundle_with_corrupt_event_log(), &Options::default())
        .expect("the agent log is analysable")
        .report;
    assert_eq!(report.bundle.os, "windows");
    let evtx = report.inventory.iter().find(|e| e.path.ends_with("System.evtx")).expect("listed");
    assert_eq!(evtx.status, snaptriage::inventory::MemberStatus::Failed, "{}", evtx.detail);
    let vss = report.undecided.iter().find(|u| u.finding == "vss-failure").expect("vss-failure undecided");
    assert!(vss.line().starts_with("vss-failure: undecided — System.evtx unreadable: "), "{}", vss.line());
    for id in ["vmsnapshot-crash", "antivirus-interference", "app-control-block", "tls-channel-failure"] {
        assert!(report.undecided.iter().any(|u| u.finding == id), "{id} is not undecided");
    }
    // Rules that need only the readable agent log decided, and no Linux rule is undecided on Windows.
    for id in ["wireserver-unreachable", "agent-goal-state-failing", "fsfreeze-failed"] {
        assert!(!report.undecided.iter().any(|u| u.finding == id), "{id} is undecided");
    }
    assert!(report.findings.iter().all(|f| report.undecided.iter().all(|u| u.finding != f.id)));

    let json = serde_json::to_value(&report).unwrap();
    assert!(json["undecided"].as_array().unwrap().iter().any(|u| u["finding"] == "vss-failure"));
    let line = "vss-failure: undecided — System.evtx unreadable";
    assert!(render_table(&report, 200).contains(line), "table");
    assert!(render_markdown(&report).contains(line), "markdown");
    assert!(render_html(&report).contains(line), "html");
}

#[test]
fn a_bundle_with_everything_readable_has_nothing_undecided_for_the_rules_of_its_kinds() {
    let agent = "[00000006] 03/15/2024 10:00:00.000 [INFO]  WindowsAzureGuestAgent starting. Version 2.7.41491.1102\n";
    let report = analyze_bytes(
        "agent-only.zip",
        common::zip_bundle(&[(AGENT_LOG, agent.as_bytes())]),
        &Options::default(),
    )
    .unwrap()
    .report;
    // The event logs are absent, which is said as such.
    let vss = report.undecided.iter().find(|u| u.finding == "vss-failure").expect("undecided");
    assert_eq!(vss.reason, "no `evtx` member in the bundle");
    assert!(!report.undecided.iter().any(|u| u.finding == "wireserver-unreachable"));
}
