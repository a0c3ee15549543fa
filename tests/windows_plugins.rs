//! Windows plugin logs of extensions other than the backup one: a failure there raises `extension-failed`
//! naming the extension and its version from the log's path; a healthy log or the backup extension's own
//! logs raise nothing.

mod common;

use snaptriage::report::{Report, Severity};
use snaptriage::{analyze_bytes, Options};

const AGENT_LOG: &str = "[00000006] 2024-10-23T08:00:00Z [INFO]  WindowsAzureGuestAgent starting. Version 2.7.41491.1149\r\n\
[00000020] 2024-10-23T08:30:00Z [HEART] WindowsAzureGuestAgent Heartbeat.\r\n\
[00000012] 2024-10-23T09:12:30Z [INFO]  Getting plugin locations for plugin 'Microsoft.Compute.CustomScriptExtension'. Current Version: '1.10.12', Requested Version: '1.10.15'\r\n\
[00000012] 2024-10-23T09:12:31Z [INFO]  Launching command 'C:\\WindowsAzure\\GuestAgent_2.7.41491.1149_2024-09-30_101010\\CollectGuestLogs.exe'\r\n";

const CSE: &str = "WindowsAzure/Logs/Plugins/Microsoft.Compute.CustomScriptExtension/1.10.15";
const SNAPSHOT: &str = "WindowsAzure/Logs/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.75.0";

const FAILING: &str = "[00000027] 2024-10-23T09:12:31Z [INFO]  Executing command \"C:\\Packages\\Plugins\\Microsoft.Compute.CustomScriptExtension\\1.10.15\\bin\\CustomScriptHandler.exe enable\", sequence number 2\r\n\
[00000027] 2024-10-23T09:13:02Z [ERROR] Command \"C:\\Packages\\Plugins\\Microsoft.Compute.CustomScriptExtension\\1.10.15\\bin\\CustomScriptHandler.exe enable\" exited with code 1\r\n";

const HEALTHY: &str = "[00000027] 2024-10-23T09:12:31Z [INFO]  Executing command \"C:\\Packages\\Plugins\\Microsoft.Compute.CustomScriptExtension\\1.10.15\\bin\\CustomScriptHandler.exe enable\", sequence number 2\r\n\
[00000027] 2024-10-23T09:13:02Z [INFO]  Command \"C:\\Packages\\Plugins\\Microsoft.Compute.CustomScriptExtension\\1.10.15\\bin\\CustomScriptHandler.exe enable\" exited with code 0\r\n";

fn analyze(files: &[(&str, &[u8])]) -> Report {
    let mut all: Vec<(&str, &[u8])> = vec![("WindowsAzure/Logs/WaAppAgent.log", AGENT_LOG.as_bytes())];
    all.extend_from_slice(files);
    analyze_bytes("win.zip", common::zip_bundle(&all), &Options::default()).unwrap().report
}

fn ids(r: &Report) -> Vec<&str> {
    r.findings.iter().map(|f| f.id.as_str()).collect()
}

#[test]
fn a_failing_custom_script_plugin_log_raises_extension_failed() {
    let path = format!("{CSE}/CommandExecution.log");
    let r = analyze(&[(&path, FAILING.as_bytes())]);
    assert_eq!(r.bundle.os, "windows");
    assert_eq!(ids(&r), vec!["extension-failed"]);
    let f = &r.findings[0];
    // Severity orders most severe first: warning or worse.
    assert!(f.severity <= Severity::Warning, "{:?}", f.severity);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.summary, "Extension in error: Microsoft.Compute.CustomScriptExtension 1.10.15.");
    let shown: Vec<_> =
        f.evidence.iter().map(|e| (e.path.as_str(), e.line, e.timestamp.map(|t| t.to_string()))).collect();
    assert_eq!(shown, vec![(path.as_str(), Some(2), Some("2024-10-23T09:13:02.000000Z".to_string()))]);
    assert!(f.evidence[0].text.ends_with("exited with code 1"), "{}", f.evidence[0].text);
}

#[test]
fn other_failure_wordings_and_file_names() {
    let cases: &[(&str, &str)] = &[
        (
            "CommandExecution_20241023091231.log",
            "[00000027] 2024-10-23T09:13:02Z [INFO]  Command execution finished, but failed because it returned a non-zero exit code of: '1'.\r\n",
        ),
        (
            "CommandExecution.log",
            "[00000027] [10/23/2024 09:13:02.55] [WARN]  Command execution finished. Command exited with code: -196608\r\n",
        ),
        (
            "CustomScriptHandler.log",
            "[00000009] 2024-10-23T09:13:02Z [INFO]  Failed to download file https://example.blob.core.windows.net/scripts/setup.ps1\r\n",
        ),
        (
            "CustomScriptHandler.log",
            "[00000009] 2024-10-23T09:13:02Z [WARN]  System.Net.WebException: The remote server returned an error: (403) Forbidden.\r\n   at System.Net.WebClient.DownloadFile(Uri address, String fileName)\r\n",
        ),
    ];
    for (file, text) in cases {
        let path = format!("{CSE}/{file}");
        let r = analyze(&[(&path, text.as_bytes())]);
        assert_eq!(ids(&r), vec!["extension-failed"], "{file}: {text}");
        assert!(r.findings[0].summary.contains("Microsoft.Compute.CustomScriptExtension 1.10.15"));
        assert_eq!(r.findings[0].evidence[0].path, path);
    }
}

#[test]
fn a_healthy_plugin_log_raises_nothing() {
    let path = format!("{CSE}/CommandExecution.log");
    let r = analyze(&[(&path, HEALTHY.as_bytes())]);
    assert!(r.findings.is_empty(), "{:?}", ids(&r));
}

#[test]
fn the_backup_extensions_plugin_logs_never_raise_extension_failed() {
    let failing = FAILING.replace(
        "Microsoft.Compute.CustomScriptExtension\\1.10.15",
        "Microsoft.Azure.RecoveryServices.VMSnapshot\\1.0.75.0",
    );
    let r = analyze(&[
        (&format!("{SNAPSHOT}/CommandExecution.log"), failing.as_bytes()),
        (
            &format!("{SNAPSHOT}/IaaSBcdrExtension0.log"),
            b"[00000004] 2024-10-23T09:13:05Z [ERROR] Failed to take snapshot: Error: 0x80004005\r\n",
        ),
    ]);
    assert!(!ids(&r).contains(&"extension-failed"), "{:?}", ids(&r));
}

#[test]
fn windows_versions_from_agent_lines() {
    let r = analyze(&[]);
    assert_eq!(r.facts.agent_version.as_deref(), Some("2.7.41491.1149"));
    let cse =
        r.facts.extensions.iter().find(|e| e.name == "Microsoft.Compute.CustomScriptExtension").unwrap();
    assert_eq!(
        (cse.version.as_deref(), cse.status.as_str(), cse.source),
        (Some("1.10.15"), "unknown", Some("agent-log"))
    );
    // Only the install folder names the version: it is still read.
    let log = "[00000012] 2024-10-23T09:12:31Z [INFO]  Launching command 'C:\\WindowsAzure\\GuestAgent_2.7.41491.1131_2024-09-30_101010\\CollectGuestLogs.exe'\r\n";
    let bundle = common::zip_bundle(&[("WindowsAzure/Logs/WaAppAgent.log", log.as_bytes())]);
    let r = analyze_bytes("win.zip", bundle, &Options::default()).unwrap().report;
    assert_eq!(r.facts.agent_version.as_deref(), Some("2.7.41491.1131"));
}
