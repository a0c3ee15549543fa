//! Agent rules from explicit agent-log signals and facts.

use super::*;
use crate::diagnoses::testkit::{evidence_texts, Case};
use crate::facts::Fact;
use crate::model::{Confidence, Severity};

const LOG: &str = "var/log/waagent.log";

/// An agent-log signal at `hh:mm` on 2024-03-15.
fn at(time: &str) -> String {
    format!("2024-03-15T{time}:00Z")
}

fn crashes(case: Case, times: &[&str]) -> Case {
    times.iter().enumerate().fold(case, |c, (i, t)| {
        c.signal("agent.crash", &at(t), LOG, 10 + i as u32, &format!("Agent crashed {i}"))
    })
}

#[test]
fn three_crash_episodes_within_two_hours_are_a_crash_loop() {
    let draft = crashes(Case::new(), &["10:00", "10:30", "11:00"]).run(&AgentNotRunning).unwrap();
    assert_eq!(draft.severity, Some(Severity::Error));
    assert!(draft.summary.contains("crash-looped: 3 failure lines"), "{}", draft.summary);
    assert_eq!(evidence_texts(&draft), ["Agent crashed 0", "Agent crashed 1", "Agent crashed 2"]);
}

#[test]
fn crash_episodes_spread_over_more_than_two_hours_are_no_loop() {
    let draft = crashes(Case::new(), &["10:00", "11:00", "12:01"]).run(&AgentNotRunning).unwrap();
    assert_eq!(draft.severity, Some(Severity::Warning));
    assert!(draft.summary.starts_with("The agent crashed: 3 failure lines"), "{}", draft.summary);
}

#[test]
fn a_crash_the_agent_recovered_from_is_a_low_confidence_warning() {
    let draft = crashes(Case::new(), &["10:00"])
        .signal("agent.version", &at("11:00"), LOG, 50, "WALinuxAgent-2.9.1.1 running")
        .run(&AgentNotRunning)
        .unwrap();
    assert_eq!((draft.severity, draft.confidence), (Some(Severity::Warning), Confidence::Low));
    assert!(draft.summary.ends_with("it ran again afterwards."), "{}", draft.summary);
    let too_soon = crashes(Case::new(), &["10:00"])
        .signal("agent.version", &at("10:59"), LOG, 50, "WALinuxAgent-2.9.1.1 running")
        .run(&AgentNotRunning)
        .unwrap();
    assert_eq!(too_soon.confidence, Confidence::Medium, "a restart within the hour is not recovery");
}

#[test]
fn a_crash_on_a_broken_goal_state_belongs_to_that_finding() {
    let explained = crashes(Case::new(), &["10:00"])
        .signal("agent.goal-state-broken", &at("10:00"), LOG, 10, "Agent crashed 0")
        .run(&AgentNotRunning);
    assert!(explained.is_none());
}

#[test]
fn an_agent_log_silent_for_six_hours_while_the_vm_ran_on() {
    let case = |other_last: &str| {
        Case::new()
            .source(LOG, &at("00:00"), &at("04:00"))
            .source("var/log/syslog", &at("00:00"), other_last)
            .run(&AgentNotRunning)
    };
    let draft = case(&at("10:00")).unwrap();
    assert!(
        draft.summary.contains("aagent.log is silent for the last 6 h before collection"),
        "{}",
        draft.summary
    );
    assert!(case(&at("09:59")).is_none(), "under six hours of silence");
    assert!(Case::new().run(&AgentNotRunning).is_none());
}

#[test]
fn an_agent_below_the_supported_minimum_is_outdated() {
    let draft = Case::new().agent_version("2.2.9", None, &at("10:00")).run(&AgentOutdated).unwrap();
    assert_eq!(draft.severity, Some(Severity::Error));
    assert!(draft.summary.contains("2.2.9, below the oldest supported 2.2.10"), "{}", draft.summary);
    assert!(Case::new().agent_version("2.2.10", None, &at("10:00")).run(&AgentOutdated).is_none());
    assert!(Case::new().run(&AgentOutdated).is_none(), "no version seen");
}

#[test]
fn an_old_agent_that_cannot_update_itself_is_a_warning() {
    let off = Case::new().agent_version("2.2.52", Some(false), &at("10:00")).run(&AgentOutdated).unwrap();
    assert_eq!(off.severity, Some(Severity::Warning));
    assert!(Case::new().agent_version("2.2.52", Some(true), &at("10:00")).run(&AgentOutdated).is_none());
    assert!(Case::new().agent_version("2.2.53", Some(false), &at("10:00")).run(&AgentOutdated).is_none());
    let windows = Case::new().windows().agent_version("2.6.1198.717", None, &at("10:00")).run(&AgentOutdated);
    assert!(windows.unwrap().summary.contains("2.6.1198.718"));
}

#[test]
fn provisioning_failed_unless_it_finished_later() {
    let failed =
        || Case::new().signal("agent.provisioning-failed", &at("10:00"), LOG, 5, "Provisioning failed");
    let draft = failed().run(&ProvisioningFailed).unwrap();
    assert!(draft.summary.contains("failed (1 time)"), "{}", draft.summary);
    let finished = failed().signal("agent.provisioned", &at("10:05"), LOG, 9, "Provisioning complete");
    assert!(finished.run(&ProvisioningFailed).is_none());
    let earlier = failed().signal("agent.provisioned", &at("09:55"), LOG, 1, "Provisioning complete");
    assert!(earlier.run(&ProvisioningFailed).is_some(), "a success before the failure does not undo it");
}

#[test]
fn the_agent_saying_it_skips_extensions_blocks_them() {
    let draft = Case::new()
        .signal("config.extensions-disabled", &at("10:00"), LOG, 3, "Extension handling is disabled")
        .run(&ConfigBlocksExtensions)
        .unwrap();
    assert_eq!(draft.confidence, Confidence::High);
    let policy = Case::new()
        .signal("config.extension-policy", &at("10:00"), LOG, 3, "policy disallows extensions")
        .run(&ConfigBlocksExtensions)
        .unwrap();
    assert_eq!(policy.confidence, Confidence::Medium);
    assert!(Case::new().fact(Fact::Os("Ubuntu 22.04".into())).run(&ConfigBlocksExtensions).is_none());
}

fn goal_state_failures(times: &[&str]) -> Case {
    times.iter().enumerate().fold(Case::new(), |c, (i, t)| {
        c.signal(
            "agent.goal-state-broken",
            &at(t),
            LOG,
            20 + i as u32,
            &format!("Error processing goal state {i}"),
        )
    })
}

#[test]
fn repeated_goal_state_failures_are_an_error_lowered_by_a_later_fetch() {
    let draft = goal_state_failures(&["10:00", "10:01", "10:02"]).run(&GoalStateFailing).unwrap();
    assert_eq!((draft.severity, draft.confidence), (Some(Severity::Error), Confidence::High));
    let fetched = goal_state_failures(&["10:00", "10:01", "10:02"])
        .signal("agent.goal-state-ok", &at("10:30"), LOG, 90, "Fetched goal state")
        .run(&GoalStateFailing)
        .unwrap();
    assert_eq!(fetched.severity, Some(Severity::Warning));
    assert!(fetched.summary.contains("fetched a goal state again"), "{}", fetched.summary);
}

#[test]
fn two_goal_state_failures_ten_minutes_apart_are_persistent() {
    let draft = goal_state_failures(&["10:00", "10:10"]).run(&GoalStateFailing).unwrap();
    assert_eq!(draft.severity, Some(Severity::Error));
    let brief = goal_state_failures(&["10:00", "10:09"]).run(&GoalStateFailing).unwrap();
    assert_eq!((brief.severity, brief.confidence), (Some(Severity::Warning), Confidence::Low));
}

#[test]
fn one_goal_state_failure_followed_by_a_fetch_is_nothing() {
    let once = goal_state_failures(&["10:00"]).signal("agent.goal-state-ok", &at("10:01"), LOG, 90, "ok");
    assert!(once.run(&GoalStateFailing).is_none());
    assert!(Case::new().run(&GoalStateFailing).is_none());
}

fn protocol_retries() -> Case {
    ["10:00", "10:01", "10:02"].iter().enumerate().fold(Case::new(), |c, (i, t)| {
        c.signal(
            "agent.protocol-not-ready",
            &at(t),
            LOG,
            30 + i as u32,
            &format!("Protocol endpoint not found {i}"),
        )
    })
}

#[test]
fn protocol_retries_never_answered_are_an_error() {
    let draft = protocol_retries().run(&ProtocolNotReady).unwrap();
    assert_eq!(draft.severity, Some(Severity::Error));
    assert!(draft.summary.contains("retried protocol detection 3 times"), "{}", draft.summary);
    let answered =
        protocol_retries().signal("agent.endpoint-obtained", &at("10:05"), LOG, 40, "Wire server endpoint");
    assert!(answered.run(&ProtocolNotReady).is_none());
}

#[test]
fn protocol_retries_step_aside_for_a_network_finding_that_explains_them() {
    for id in ["wireserver-unreachable", "dhcp-disabled", "agent-goal-state-failing"] {
        assert!(protocol_retries().decided(id, Severity::Error).run(&ProtocolNotReady).is_none(), "{id}");
        assert!(protocol_retries().decided(id, Severity::Warning).run(&ProtocolNotReady).is_none(), "{id}");
        assert!(
            protocol_retries().decided(id, Severity::Info).run(&ProtocolNotReady).is_some(),
            "{id}: info"
        );
    }
}

#[test]
fn certificate_failures_twice_are_an_error_and_once_a_warning() {
    let fail = |c: Case, t: &str, line: u32| {
        c.signal("agent.cert-failure", &at(t), LOG, line, &format!("openssl error {line}"))
    };
    let twice = fail(fail(Case::new(), "10:00", 1), "10:05", 2).run(&CertificatesFailing).unwrap();
    assert_eq!(twice.severity, Some(Severity::Error));
    let once = fail(Case::new(), "10:00", 1).run(&CertificatesFailing).unwrap();
    assert_eq!(once.severity, Some(Severity::Warning));
    let undecryptable = fail(Case::new(), "10:00", 1)
        .signal("settings.undecryptable", &at("10:00"), LOG, 1, "openssl error 1")
        .run(&CertificatesFailing);
    assert!(undecryptable.is_none(), "the settings finding owns that record");
}
