//! The diagnoses speak whenever the agent's own words show a failure, in every log era that wrote them:
//! each message family of the catalog, repeated as a real outage repeats it, yields its finding (and not a
//! finding that would send the engineer the wrong way); seen only briefly it still yields a warning that says
//! for how long; routine look-alikes yield nothing at warning or above.

mod common;

use std::collections::BTreeMap;

use chrono::Duration;
use common::eras::{agent_catalog, templates_in_era, Era, ERAS};
use snaptriage::report::{Finding, Severity};
use snaptriage::{analyze_bytes, Options};

/// Message family (signature id) → findings it must raise when it lasts, and findings it must not raise.
const FAMILIES: &[(&str, &[&str], &[&str])] = &[
    ("wire.http-failed", &["wireserver-unreachable"], &["agent-goal-state-failing"]),
    ("wire.socket-ioerror-legacy", &["wireserver-unreachable"], &[]),
    ("wire.unreachable", &["wireserver-unreachable"], &["agent-goal-state-failing"]),
    ("wire.throttled", &["wireserver-unreachable"], &["agent-goal-state-failing"]),
    ("wire.goal-state-fetch-failed", &["wireserver-unreachable"], &[]),
    ("wire.goal-state-still-failing", &["wireserver-unreachable"], &[]),
    // Status uploads failing alone, while no goal-state fetch fails: the WireServer answers, the upload path
    // (HostGAPlugin, status blob) refuses.
    ("wire.status-upload-failed", &["agent-goal-state-failing"], &["wireserver-unreachable"]),
    ("goal-state.http-status", &["agent-goal-state-failing"], &["wireserver-unreachable"]),
    ("goal-state.malformed", &["agent-goal-state-failing"], &["wireserver-unreachable"]),
    ("hostplugin.channel-error", &["agent-goal-state-failing"], &["wireserver-unreachable"]),
    ("agent.goal-state-files-missing", &["agent-goal-state-failing"], &["wireserver-unreachable"]),
    ("agent.goal-state-giving-up", &["agent-goal-state-failing"], &["wireserver-unreachable"]),
    ("agent.extension-processing-exception", &["agent-goal-state-failing"], &["wireserver-unreachable"]),
    (
        "settings.certificates-undecryptable",
        &["extension-settings-undecryptable"],
        &["wireserver-unreachable"],
    ),
    ("agent.transport-cert-failed", &["agent-certificates-failing"], &["wireserver-unreachable"]),
    ("dhcp.no-response", &["dhcp-disabled", "wireserver-unreachable"], &[]),
    ("dhcp.no-route", &["dhcp-disabled", "wireserver-unreachable"], &[]),
    ("dhcp.no-routes-at-all", &["dhcp-disabled", "wireserver-unreachable"], &[]),
    ("config.extensions-disabled", &["agent-config-blocks-extensions"], &["extension-failed"]),
    ("agent.daemon-exception", &["agent-not-running"], &[]),
    ("agent.launch-failed", &["agent-not-running"], &[]),
];

/// Families whose protocol-detection retries may be explained by a network finding instead.
const PROTOCOL: &str = "agent.protocol-detection-failed";
const PROTOCOL_FINDINGS: &[&str] = &["agent-protocol-not-ready", "wireserver-unreachable", "dhcp-disabled"];

/// A waagent.log in `era`: a start-up banner, then `messages` written every `step` for `span`.
fn log(era: &Era, messages: &[(String, String)], span: Duration, step: Duration) -> String {
    let mut s = era.line("INFO", "Azure Linux Agent Version: 2.2.45") + "\n";
    let mut t = Duration::seconds(5);
    while t <= span + Duration::seconds(5) {
        for (i, (level, msg)) in messages.iter().enumerate() {
            s.push_str(&era.line_at(t + Duration::milliseconds(i as i64 * 10), level, msg));
            s.push('\n');
        }
        t += step;
    }
    s
}

fn findings(log: &str) -> Vec<Finding> {
    let bundle = common::zip_bundle(&[("var/log/waagent.log", log.as_bytes())]);
    analyze_bytes("recall.zip", bundle, &Options::default()).expect("analyse").report.findings
}

/// Finding id → severity, for findings at warning or above.
fn alarms(log: &str) -> BTreeMap<String, (Severity, String)> {
    findings(log)
        .into_iter()
        .filter(|f| f.severity <= Severity::Warning)
        .map(|f| (f.id.clone(), (f.severity, f.summary.clone())))
        .collect()
}

/// What a family's message must raise: a message that carries the server's HTTP answer (other than
/// throttling) is a goal-state failure, not a network one, whatever family wrote it.
fn expected_for(want: &[&'static str], message: &str) -> Vec<&'static str> {
    let answered =
        snaptriage::signals::enrich::http_status(message).is_some_and(|c| c >= 400 && c != 429 && c != 503);
    want.iter()
        .map(|w| if answered && *w == "wireserver-unreachable" { "agent-goal-state-failing" } else { *w })
        .collect()
}

/// Whether `got` holds the finding `want` stands for: certificates that cannot be decrypted are reported as
/// the settings they leave unreadable.
fn satisfied(want: &str, got: &BTreeMap<String, (Severity, String)>) -> bool {
    got.contains_key(want)
        || (want == "agent-certificates-failing" && got.contains_key("extension-settings-undecryptable"))
}

fn family_messages(id: &str, era: &Era) -> Vec<(String, String)> {
    let sig = agent_catalog().into_iter().find(|s| s.id == id).unwrap_or_else(|| panic!("no signature {id}"));
    templates_in_era(&sig, era)
}

#[test]
fn every_family_lasting_half_an_hour_raises_its_finding_in_every_era() {
    let mut failures = Vec::new();
    let mut cases = 0;
    for (id, want, never) in FAMILIES {
        for era in ERAS {
            for message in family_messages(id, era) {
                cases += 1;
                let text =
                    log(era, std::slice::from_ref(&message), Duration::minutes(30), Duration::minutes(5));
                let got = alarms(&text);
                let want = expected_for(want, &message.1);
                let missing: Vec<&&str> = want.iter().filter(|w| !satisfied(w, &got)).collect();
                let wrong: Vec<&&str> = never.iter().filter(|n| got.contains_key(**n)).collect();
                if !missing.is_empty() || !wrong.is_empty() {
                    failures.push(format!(
                        "{id} in {} ({}): missing {missing:?}, wrongly raised {wrong:?}; got {:?}",
                        era.name,
                        message.1,
                        got.keys().collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    println!("{cases} family × era × template cases");
    assert!(cases >= 100, "only {cases} cases");
    assert!(failures.is_empty(), "{} case(s) wrong:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn protocol_detection_that_never_succeeds_is_reported_in_every_era() {
    for era in ERAS {
        for message in family_messages(PROTOCOL, era) {
            let got = alarms(&log(
                era,
                std::slice::from_ref(&message),
                Duration::minutes(30),
                Duration::minutes(5),
            ));
            assert!(
                PROTOCOL_FINDINGS.iter().any(|f| got.contains_key(*f)),
                "{} ({}): {got:?}",
                era.name,
                message.1
            );
        }
    }
}

#[test]
fn a_lasting_outage_is_an_error_and_a_brief_one_a_warning_saying_how_long() {
    let era = ERAS.last().unwrap();
    let failed = family_messages("wire.http-failed", era);
    let lasting = alarms(&log(era, &failed[..1], Duration::minutes(40), Duration::minutes(5)));
    assert_eq!(lasting["wireserver-unreachable"].0, Severity::Error, "{lasting:?}");
    // Two failures 20 s apart at the very end of a short bundle: unambiguous, but brief.
    let brief = alarms(&log(era, &failed[..1], Duration::seconds(20), Duration::seconds(20)));
    let (severity, summary) = &brief["wireserver-unreachable"];
    assert_eq!(*severity, Severity::Warning, "{summary}");
    assert!(summary.contains("seen only for"), "{summary}");
}

#[test]
fn the_agents_telemetry_mirror_of_a_failure_counts_once() {
    let era = ERAS.last().unwrap();
    let msg = "Error fetching the goal state: [ProtocolError] [HTTP Failed] GET http://168.63.129.16/machine/?comp=goalstate -- IOError [Errno 111] Connection refused -- 6 attempts made";
    let mirror = format!("Event: name=WALinuxAgent, op=FetchGoalState, message={msg}, duration=0");
    let text = log(
        era,
        &[("WARNING".into(), msg.into()), ("INFO".into(), mirror)],
        Duration::minutes(20),
        Duration::minutes(5),
    );
    let got = alarms(&text);
    let summary = &got["wireserver-unreachable"].1;
    assert!(summary.starts_with("5 failed calls"), "{summary}");
}

#[test]
fn a_periodic_summary_stands_for_its_hour() {
    let era = ERAS.last().unwrap();
    let periodic = "[PERIODIC] Attempts to retrieve the goal state are failing: [ProtocolError] [HTTP Failed] GET http://168.63.129.16/machine/?comp=goalstate -- IOError timed out -- 6 attempts made";
    let got =
        alarms(&log(era, &[("WARNING".into(), periodic.into())], Duration::zero(), Duration::minutes(5)));
    let (severity, summary) = &got["wireserver-unreachable"];
    assert_eq!(*severity, Severity::Error, "{summary}");
    assert!(summary.contains("1h"), "{summary}");
}

#[test]
fn the_unreachable_endpoint_is_reported_with_its_dhcp_cause() {
    let era = ERAS.last().unwrap();
    let text = log(
        era,
        &[
            ("WARNING".into(), "No route exists to 168.63.129.16".into()),
            ("ERROR".into(), "[DhcpError] Failed to receive dhcp response.".into()),
        ],
        Duration::minutes(30),
        Duration::minutes(3),
    );
    let got = alarms(&text);
    assert!(got.contains_key("dhcp-disabled"), "{got:?}");
    assert!(got["wireserver-unreachable"].1.contains("DHCP"), "{got:?}");
}

#[test]
fn the_backup_extension_failing_only_in_the_agent_log_is_vmsnapshot_failed() {
    for era in &ERAS[1..] {
        let msg = "Event: name=Microsoft.Azure.RecoveryServices.VMSnapshotLinux, op=Enable, message=Non-zero exit code: 1, main/handle.sh enable, duration=0";
        let got = alarms(&log(era, &[("ERROR".into(), msg.into())], Duration::zero(), Duration::minutes(5)));
        assert!(got.contains_key("vmsnapshot-failed"), "{}: {got:?}", era.name);
        assert!(!got.contains_key("extension-failed"), "{}: {got:?}", era.name);
    }
}

/// Routine lines of a healthy agent that look like failures.
const LOOK_ALIKES: &[(&str, &[(&str, &str)])] = &[
    (
        "a DHCP handler rerun at boot that then obtains the endpoint",
        &[
            ("INFO", "WireServer endpoint is not found. Rerun dhcp handler"),
            ("WARNING", "No route exists to 168.63.129.16"),
            ("INFO", "Send dhcp request"),
            ("INFO", "Configure routes"),
            ("INFO", "Wire server endpoint:168.63.129.16"),
            ("INFO", "Fetch goal state completed"),
        ],
    ),
    (
        "one timed-out status PUT followed by a processed goal state",
        &[
            ("WARNING", "[HTTP Failed] PUT http://168.63.129.16:32526/status -- IOError timed out -- 1 attempts made"),
            ("INFO", "ProcessGoalState completed [incarnation 7; 312 ms]"),
        ],
    ),
    (
        "a single retry that then succeeded",
        &[
            ("WARNING", "[HTTP Retry] GET http://168.63.129.16/machine/?comp=goalstate -- Status Code 503 -- 1 attempts made"),
            ("INFO", "Fetch goal state completed"),
        ],
    ),
    (
        "a goal state that failed once and recovered",
        &[
            ("WARNING", "Fetching the goal state failed: [ProtocolError] [HTTP Failed] GET http://168.63.129.16/machine/?comp=goalstate -- IOError timed out -- 6 attempts made"),
            ("INFO", "Fetching the goal state recovered from previous errors. Fetched incarnation_5 (certificates: [])"),
        ],
    ),
    (
        "a resource-gone answer during a goal-state refresh",
        &[
            ("WARNING", "Fetching the goal state failed: [ResourceGoneError] [HTTP Failed] [410: Gone] b'<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>ResourceNotAvailable</Code></Error>'"),
            ("INFO", "Fetch goal state completed"),
        ],
    ),
    (
        "no DHCP client process on a networkd host",
        &[("WARNING", "Dhcp client is not running."), ("INFO", "Wire server endpoint:168.63.129.16")],
    ),
    (
        "the agent noting extensions of the previous goal state are still running",
        &[
            ("INFO", "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0] not all the extensions in the previous goal state have completed"),
            ("INFO", "ProcessExtensionsGoalState completed [incarnation_7 1031 ms]"),
        ],
    ),
    (
        "certificates without a private key",
        &[("INFO", "Certificate 1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D7E8F9A0B has no private key (pfx) or private key is missing")],
    ),
    (
        "hostname publishing errors",
        &[("WARNING", "Error publishing hostname: [OSUtilError] Failed to publish hostname: vm1")],
    ),
];

#[test]
fn routine_look_alikes_raise_nothing_at_warning_or_above_in_any_era() {
    let mut failures = Vec::new();
    for (what, lines) in LOOK_ALIKES {
        for era in &ERAS[1..] {
            let messages: Vec<(String, String)> =
                lines.iter().map(|(l, m)| (l.to_string(), m.to_string())).collect();
            // Once, then an hour of normal running so nothing is "the last thing the bundle shows".
            let mut text = log(era, &messages, Duration::zero(), Duration::minutes(5));
            for m in 1..=12 {
                text.push_str(&era.line_at(Duration::minutes(5 * m), "INFO", "[HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent [DEBUG HeartbeatCounter: 3;HeartbeatId: 0F3C0F3C-1111-2222-3333-444455556666;DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 1]"));
                text.push('\n');
            }
            let got = alarms(&text);
            if !got.is_empty() {
                failures.push(format!("{what} in {}: {got:?}", era.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
