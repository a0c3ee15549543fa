//! Network rules from explicit WireServer, DHCP and storage signals.

use super::*;
use crate::diagnoses::testkit::{evidence_texts, Case};
use crate::model::{Confidence, Severity};

const LOG: &str = "var/log/waagent.log";
const EXT_LOG: &str = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log";

fn at(time: &str) -> String {
    format!("2024-03-15T{time}:00Z")
}

/// A refused call to the WireServer at each of `times`.
fn refused(times: &[&str]) -> Case {
    times.iter().enumerate().fold(Case::new(), |c, (i, t)| {
        c.signal("wire.failure", &at(t), LOG, 100 + i as u32, &format!("[Errno 111] Connection refused #{i}"))
            .capture("errno", "111")
    })
}

#[test]
fn five_refused_calls_are_a_sustained_outage() {
    let draft = refused(&["10:00", "10:01", "10:02", "10:03", "10:04"]).run(&WireServerUnreachable).unwrap();
    assert_eq!((draft.severity, draft.confidence), (None, Confidence::High));
    assert!(
        draft.summary.starts_with("5 failed calls to the WireServer/HostGAPlugin over 4m"),
        "{}",
        draft.summary
    );
    assert_eq!(draft.evidence.len(), 5);
}

#[test]
fn three_failures_must_span_ten_minutes_to_be_sustained() {
    let long = refused(&["10:00", "10:05", "10:10"]).run(&WireServerUnreachable).unwrap();
    assert_eq!((long.severity, long.confidence), (None, Confidence::Medium));
    let short = refused(&["10:00", "10:05", "10:09"]).run(&WireServerUnreachable).unwrap();
    assert_eq!(short.severity, Some(Severity::Warning));
    assert!(short.summary.contains("seen only for 9m in this bundle"), "{}", short.summary);
}

#[test]
fn one_failure_followed_by_a_goal_state_is_nothing_and_a_recovery_lowers_an_outage() {
    let blip =
        refused(&["10:00"]).signal("agent.goal-state-ok", &at("10:01"), LOG, 200, "Fetched goal state");
    assert!(blip.run(&WireServerUnreachable).is_none());
    assert!(refused(&["10:00"]).run(&WireServerUnreachable).is_none(), "one ambiguous failure");
    let recovered = refused(&["10:00", "10:01", "10:02", "10:03", "10:04"])
        .signal("wire.recovered", &at("10:30"), LOG, 300, "recovered")
        .run(&WireServerUnreachable)
        .unwrap();
    assert_eq!(recovered.severity, Some(Severity::Warning));
    assert!(recovered.summary.contains("later got its goal state again"), "{}", recovered.summary);
    assert_eq!(evidence_texts(&recovered).last(), Some(&"recovered"));
}

#[test]
fn an_http_error_the_server_answered_is_not_a_network_failure() {
    let answered = Case::new()
        .signal("wire.failure", &at("10:00"), LOG, 1, "HTTP GET failed: [404: Not Found]")
        .capture("http_status", "404")
        .signal("wire.failure", &at("10:01"), LOG, 2, "HTTP GET failed: [404: Not Found]")
        .capture("http_status", "404");
    assert!(answered.run(&WireServerUnreachable).is_none());
}

#[test]
fn no_route_to_the_wireserver_is_unreachable_even_once() {
    let draft = Case::new()
        .signal("wire.unreachable", &at("10:00"), LOG, 1, "[Errno 113] No route to host")
        .capture("errno", "113")
        .run(&WireServerUnreachable)
        .unwrap();
    assert!(draft.summary.contains("no route to host"), "{}", draft.summary);
}

fn dhcp_failures(times: &[&str]) -> Case {
    times.iter().enumerate().fold(Case::new(), |c, (i, t)| {
        c.signal("dhcp.failure", &at(t), LOG, 10 + i as u32, &format!("DHCP request failed {i}"))
    })
}

#[test]
fn dhcp_failures_nothing_resolved_disable_the_wireserver() {
    let draft = dhcp_failures(&["10:00", "10:01", "10:02"]).run(&DhcpDisabled).unwrap();
    assert_eq!(draft.severity, None, "three failures are not brief");
    assert!(draft.summary.contains("3 DHCP / endpoint-discovery failures"), "{}", draft.summary);
    let brief = dhcp_failures(&["10:00"]).run(&DhcpDisabled).unwrap();
    assert_eq!((brief.severity, brief.confidence), (Some(Severity::Warning), Confidence::Low));
    // With no WireServer call failing at all, the never-routed endpoint is the WireServer finding too.
    let wire = dhcp_failures(&["10:00", "10:01", "10:02"]).run(&WireServerUnreachable).unwrap();
    assert!(wire.summary.contains("never obtained a route or endpoint"), "{}", wire.summary);
}

#[test]
fn a_dhcp_failure_resolved_afterwards_is_routine() {
    let resolved = |t: &str| {
        dhcp_failures(&["10:00", "10:01", "10:02"]).signal(
            "agent.endpoint-obtained",
            &at(t),
            LOG,
            50,
            "Wire server endpoint:168.63.129.16",
        )
    };
    assert!(resolved("10:02").run(&DhcpDisabled).is_none(), "resolved at the last failure's moment");
    assert!(resolved("10:03").run(&WireServerUnreachable).is_none());
    assert!(resolved("10:01").run(&DhcpDisabled).is_some(), "resolved before the last failure");
    assert!(Case::new().run(&DhcpDisabled).is_none());
}

#[test]
fn storage_calls_refused_by_a_firewall_are_unreachable_storage() {
    let status = |code: &str| {
        Case::new()
            .signal("storage.http-status", &at("10:00"), EXT_LOG, 7, "snapshot blob returned")
            .capture("http_status", code)
            .run(&StorageUnreachable)
    };
    assert!(status("403").is_some());
    assert!(status("409").is_none(), "a bare 409 supports the finding but does not make it");
    let coded = Case::new()
        .signal(
            "snap.status-code",
            &at("10:00"),
            EXT_LOG,
            8,
            "StatusCode.FailedRetryableSnapshotFailedNoNetwork",
        )
        .capture("ext_code", "FailedRetryableSnapshotFailedNoNetwork")
        .run(&StorageUnreachable)
        .unwrap();
    assert!(coded.summary.contains("FailedRetryableSnapshotFailedNoNetwork (76)"), "{}", coded.summary);
    assert!(Case::new()
        .backup_status("error", Some(761), None, &at("10:00"))
        .run(&StorageUnreachable)
        .is_some());
    assert!(Case::new()
        .backup_status("success", Some(76), None, &at("10:00"))
        .run(&StorageUnreachable)
        .is_none());
}

#[test]
fn a_counted_heartbeat_stands_for_every_heartbeat_it_counts() {
    // One refused call, then heartbeats each saying 10 goal-state fetches failed since the one before: as
    // separate records or counted on one, they add up to a sustained outage.
    let one = |c: Case| c.capture("gs_errors", "10");
    let apart = (0..3).fold(refused(&["10:00"]), |c, i| {
        one(c.signal("agent.heartbeat", &at(&format!("10:{}", 30 + i)), LOG, 150 + i, "HeartbeatCounter"))
    });
    let counted =
        one(refused(&["10:00"]).signal("agent.heartbeat", &at("10:30"), LOG, 150, "HeartbeatCounter"))
            .repeated(3, &at("10:32"));
    let lone = one(refused(&["10:00"]).signal("agent.heartbeat", &at("10:30"), LOG, 150, "HeartbeatCounter"));
    let apart = apart.run(&WireServerUnreachable).unwrap();
    let counted = counted.run(&WireServerUnreachable).unwrap();
    assert_eq!((apart.severity, apart.confidence), (counted.severity, counted.confidence));
    assert_eq!(counted.severity, None, "{}", counted.summary);
    assert!(
        lone.run(&WireServerUnreachable).is_none_or(|d| d.severity.is_some()),
        "10 errors alone are not sustained"
    );
}

#[test]
fn a_count_whose_last_repeat_follows_the_failures_is_a_recovery() {
    let outage = || refused(&["10:00", "10:01", "10:02", "10:03", "10:04"]);
    let recovered = outage()
        .signal("agent.goal-state-ok", &at("09:50"), LOG, 90, "Fetched goal state")
        .repeated(12, &at("10:40"))
        .run(&WireServerUnreachable)
        .unwrap();
    assert_eq!(recovered.severity, Some(Severity::Warning), "{}", recovered.summary);
    let before = outage()
        .signal("agent.goal-state-ok", &at("09:50"), LOG, 90, "Fetched goal state")
        .repeated(3, &at("09:58"))
        .run(&WireServerUnreachable)
        .unwrap();
    assert_eq!(before.severity, None, "{}", before.summary);
}
