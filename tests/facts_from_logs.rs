//! Facts read straight from the Linux agent's log when nothing better is in the bundle: agent and daemon
//! versions from every line that names one, the distribution from `OS:` / `Distro:` lines, extension states
//! from handler lines and event echoes, and compressed event messages decoded for signatures and evidence.

mod common;

use snaptriage::report::Report;
use snaptriage::{analyze_bytes, Options};

fn analyze(files: &[(&str, &[u8])]) -> Report {
    analyze_bytes("bundle.zip", common::zip_bundle(files), &Options::default()).unwrap().report
}

fn waagent(log: &str) -> Report {
    analyze(&[("var/log/waagent.log", log.as_bytes())])
}

fn ids(r: &Report) -> Vec<&str> {
    r.findings.iter().map(|f| f.id.as_str()).collect()
}

/// A daemon on 2.2.45 hands over to an auto-updated agent: no line a version signature reads.
const UPDATE_LOG: &str = "\
2023-01-10T08:00:00.000000Z INFO Daemon Daemon Installed Agent WALinuxAgent-2.2.45 is the most current agent
2023-01-10T08:00:01.000000Z INFO Daemon Daemon OS: ubuntu 22.04
2023-01-10T08:00:01.100000Z INFO Daemon Daemon Python: 3.10.12
2023-01-10T08:00:05.000000Z INFO ExtHandler ExtHandler Agent WALinuxAgent-2.2.53 discovered update WALinuxAgent-2.9.1.1 -- exiting
2023-01-10T08:00:06.000000Z INFO Daemon Daemon Determined Agent WALinuxAgent-2.9.1.1 to be the latest agent
2023-01-10T08:00:40.000000Z INFO Daemon Daemon Agent WALinuxAgent-2.9.1.1 launched with command 'python3 -u bin/WALinuxAgent-2.9.1.1-py3.8.egg -run-exthandlers' is successfully running
2023-01-10T08:00:41.000000Z INFO ExtHandler ExtHandler Distro: ubuntu-22.04; OSUtil: Ubuntu18OSUtil; AgentService: walinuxagent; Python: 3.10.12; systemd: True; LISDrivers: Absent; logrotate: logrotate 3.19.0;
";

#[test]
fn versions_and_os_from_update_and_start_up_lines() {
    let r = waagent(UPDATE_LOG);
    assert_eq!(r.facts.agent_version.as_deref(), Some("2.9.1.1"));
    assert_eq!(r.facts.daemon_version.as_deref(), Some("2.2.45"));
    assert_eq!(r.facts.os.as_deref(), Some("ubuntu 22.04"));
    assert!(!ids(&r).contains(&"agent-outdated"), "{:?}", ids(&r));
}

#[test]
fn the_running_agent_wins_over_a_discovered_update() {
    let log = "2023-01-10T08:00:05.000000Z INFO ExtHandler ExtHandler Agent WALinuxAgent-2.2.53 discovered update WALinuxAgent-2.9.1.1 -- exiting\n";
    let r = waagent(log);
    assert_eq!(r.facts.agent_version.as_deref(), Some("2.2.53"));
    assert_eq!(r.facts.daemon_version, None);
    // The newest goal-state sighting wins, whatever its number.
    let log = "\
2023-01-10T08:00:00.000000Z INFO ExtHandler ExtHandler [HEARTBEAT] Agent WALinuxAgent-2.11.1.4 is running as the goal state agent [DEBUG HeartbeatCounter: 1;HeartbeatId: 1F;UpdateGSErrors: 0;AutoUpdate: 1;UpdateMode: SelfUpdate;]
2023-01-10T09:00:00.000000Z INFO ExtHandler ExtHandler Current Agent 2.11.1.4 completed all update checks, exiting current process to downgrade to the new Agent version 2.10.0.8
2023-01-10T09:01:00.000000Z INFO ExtHandler ExtHandler Azure Linux Agent (Goal State Agent version 2.10.0.8)
";
    let r = waagent(log);
    assert_eq!(r.facts.agent_version.as_deref(), Some("2.10.0.8"));
    assert_eq!(r.facts.agent_auto_update, Some(true));
}

#[test]
fn old_local_time_lines_name_versions_and_distribution() {
    let log = "\
2017/08/02 15:09:50.100000 INFO Azure Linux Agent Version:2.2.14
2017/08/02 15:09:50.200000 INFO OS: centos 7.3.1611
2017/08/02 15:09:57.750303 INFO Agent WALinuxAgent-2.2.14 discovered WALinuxAgent-2.2.16 as an update and will exit
2017/08/02 15:10:30.000000 INFO WALinuxAgent-2.2.16 running as process 2315
";
    let r = waagent(log);
    assert_eq!(r.facts.agent_version.as_deref(), Some("2.2.16"));
    assert_eq!(r.facts.daemon_version.as_deref(), Some("2.2.14"));
    assert_eq!(r.facts.os.as_deref(), Some("centos 7.3.1611"));
}

#[test]
fn os_release_beats_the_log() {
    let r = analyze(&[
        ("var/log/waagent.log", UPDATE_LOG.as_bytes()),
        ("etc/os-release", b"NAME=\"Ubuntu\"\nPRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\n"),
    ]);
    assert_eq!(r.facts.os.as_deref(), Some("Ubuntu 22.04.4 LTS"));
}

const HANDLER_LOG: &str = "\
2023-01-10T09:00:00.000000Z INFO ExtHandler [Microsoft.Azure.Extensions.CustomScript-2.1.10] Target handler state: enabled [incarnation 4]
2023-01-10T09:00:01.000000Z INFO ExtHandler [Microsoft.Azure.Extensions.CustomScript-2.1.10] Enable extension: [bin/custom-script-shim enable]
2023-01-10T09:00:03.000000Z ERROR ExtHandler ExtHandler Event: name=Microsoft.Azure.Extensions.CustomScript, op=Enable, message=[ExtensionOperationError] Non-zero exit code: 1, /var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/bin/custom-script-shim enable, duration=0
2023-01-10T09:00:04.000000Z INFO ExtHandler [Microsoft.OSTCExtensions.VMAccessForLinux-1.5.14] Target handler state: enabled [incarnation 4]
2023-01-10T09:00:05.000000Z INFO ExtHandler [Microsoft.OSTCExtensions.VMAccessForLinux-1.5.14] Enable extension: [extension_shim.sh -c ./vmaccess.py -e]
2023-01-10T09:00:07.000000Z INFO ExtHandler [Microsoft.OSTCExtensions.VMAccessForLinux-1.5.14] Command: extension_shim.sh -c ./vmaccess.py -e
2023-01-10T09:00:08.000000Z INFO ExtHandler [Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.29.4] Target handler state: enabled [incarnation 4]
";

#[test]
fn extension_states_from_handler_lines_when_no_status_file() {
    let r = waagent(HANDLER_LOG);
    let got: Vec<_> = r
        .facts
        .extensions
        .iter()
        .map(|e| {
            (
                e.name.as_str(),
                e.version.as_deref(),
                e.status.as_str(),
                e.code,
                e.timestamp.as_deref(),
                e.source,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "Microsoft.Azure.Extensions.CustomScript",
                Some("2.1.10"),
                "error",
                Some(1),
                Some("2023-01-10T09:00:03.000000Z"),
                Some("agent-log")
            ),
            (
                "Microsoft.Azure.Monitor.AzureMonitorLinuxAgent",
                Some("1.29.4"),
                "unknown",
                None,
                Some("2023-01-10T09:00:08.000000Z"),
                Some("agent-log")
            ),
            (
                "Microsoft.OSTCExtensions.VMAccessForLinux",
                Some("1.5.14"),
                "success",
                Some(0),
                Some("2023-01-10T09:00:07.000000Z"),
                Some("agent-log")
            ),
        ]
    );
    assert_eq!(
        r.facts.extensions[0].message,
        "[ExtensionOperationError] Non-zero exit code: 1, /var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/bin/custom-script-shim enable"
    );
    let json = serde_json::to_value(&r.facts.extensions).unwrap();
    assert_eq!(json[0]["source"], "agent-log");
}

#[test]
fn a_status_file_is_never_overridden_by_the_log() {
    let status = br#"[{"version":1.0,"timestampUTC":"2023-01-10T09:10:00Z","status":{"name":"Microsoft.Azure.Extensions.CustomScript","operation":"Enable","status":"success","code":0,"formattedMessage":{"lang":"en-US","message":"Enable succeeded"}}}]"#;
    let r = analyze(&[
        ("var/log/waagent.log", HANDLER_LOG.as_bytes()),
        ("var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/status/4.status", status),
    ]);
    let cse =
        r.facts.extensions.iter().find(|e| e.name == "Microsoft.Azure.Extensions.CustomScript").unwrap();
    assert_eq!((cse.status.as_str(), cse.code, cse.source), ("success", Some(0), None));
    assert_eq!(cse.message, "Enable succeeded");
    let json = serde_json::to_value(cse).unwrap();
    assert!(json.get("source").is_none(), "{json}");
    assert_eq!(r.facts.extensions.len(), 3);
}

/// `base64(zlib("Non-zero exit code: 127, …/main/handle.sh enable\n[stdout]\n\n[stderr]\n/bin/sh: 1: python: not found\n"))`,
/// as agents 2.2.31 – 2.2.54 write it.
const ENCODED_PYTHON_MISSING: &str = "eJwdzrEOgjAQgOG9T9EHkFaM0cjmLg6SuBiG0h62Cd6Ra4vA00vc/uEb/jthsQKThDkkaclBJcvDeSf1ZFgPodNfY96ASdfBMkXqk7qumUE9wNIEvDTAU7AQ1bNu0IzRU7oFzHNRqr26lKej2uuPCai9QTeAil4Cmm4A8YrJUU6t+Bcwt0J3G4x+e6jkuCRPWEmkJHvK6MQPhD87wg==";

#[test]
fn compressed_event_messages_are_matched_and_shown_decoded() {
    let log = format!(
        "2020/05/01 10:00:00.000000 INFO Daemon Azure Linux Agent Version:2.2.45\n\
         2020/05/01 10:05:00.000000 ERROR ExtHandler Event: name=Microsoft.Azure.RecoveryServices.VMSnapshotLinux, op=Enable, message={ENCODED_PYTHON_MISSING}, duration=0\n\
         2020/05/01 10:05:01.000000 INFO ExtHandler ExtHandler next record\n"
    );
    let r = waagent(&log);
    let python = r.findings.iter().find(|f| f.id == "python-unsupported");
    let python = python.unwrap_or_else(|| panic!("no python-unsupported in {:?}", ids(&r)));
    let shown: Vec<_> = python.evidence.iter().map(|e| (e.line, e.text.as_str())).collect();
    assert!(shown.contains(&(Some(2), "/bin/sh: 1: python: not found")), "{shown:?}");
    // The log-read extension state carries the decoded exit code.
    let ext = r.facts.extensions.iter().find(|e| e.name.ends_with("VMSnapshotLinux")).unwrap();
    assert_eq!((ext.status.as_str(), ext.code), ("error", Some(127)));

    // The same line left encoded (a damaged blob) raises nothing about Python.
    let damaged = log.replace("eJwdzrEOgjAQgOG9T9EH", "eJwdzrEOgjAQgOG9T9E!");
    assert!(!ids(&waagent(&damaged)).contains(&"python-unsupported"));
}
