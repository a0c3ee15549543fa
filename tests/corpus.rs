//! The real-data suite: public excerpts and files in `../shared/corpus`. Skips, saying why, when the corpus
//! is not beside the checkout (the project's own tests never need it).

mod common;

use std::path::{Path, PathBuf};

use snaptriage::{analyze_bytes, Options};
use snaptriage_parsers::{lines, shell_log, vmsnapshot_log, waagent_log, LogRecord};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("corpus suite skipped: {} is absent", dir.display());
        None
    }
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == ext))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Which log an excerpt comes from, by its file name, and where a bundle keeps that log.
fn placement(name: &str) -> (&'static str, &'static str) {
    const EXT: &str = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log";
    const SHELL: &str = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/shell.log";
    if name.starts_with("linux_extlog") || name.starts_with("linux_console") {
        ("vmsnapshot", EXT)
    } else if name.starts_with("linux_shelllog") {
        ("shell", SHELL)
    } else {
        ("waagent", "var/log/waagent.log")
    }
}

fn records<'a>(parser: &str, text: &'a str) -> Vec<LogRecord<'a>> {
    match parser {
        "vmsnapshot" => vmsnapshot_log::parse(text).collect(),
        "shell" => shell_log::parse(text).collect(),
        _ => waagent_log::parse(text).collect(),
    }
}

fn excerpts(root: &Path) -> Vec<PathBuf> {
    let mut all = files(&root.join("linux/logs"), "log");
    all.extend(files(&root.join("vmsnapshot"), "log"));
    all
}

#[test]
fn every_excerpt_parses_with_no_line_lost() {
    let Some(root) = corpus() else { return };
    let all = excerpts(&root);
    assert!(all.len() >= 30, "expected the linux and vmsnapshot excerpts, found {}", all.len());
    for path in all {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let text = lines::decode(&bytes);
        let (parser, _) = placement(&name);
        let recs = records(parser, &text);
        let covered: u32 = recs.iter().map(|r| r.lines).sum();
        assert_eq!(covered, lines::count_lines(&text), "{name}: lines lost");
        let mut next = 1;
        for r in &recs {
            assert_eq!(r.line, next, "{name}: records must tile the file");
            next += r.lines;
        }
        let timed = recs.iter().filter(|r| r.time.is_some()).count();
        if name != "linux_stderr_python314_imp_crypt_ale2172.log" {
            assert!(timed > 0, "{name}: no timestamp recognised");
        }
    }
}

/// Builds a bundle holding one excerpt where the collector would put it, and returns the finding ids.
fn findings_for(path: &Path) -> Vec<(String, String)> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let (_, member) = placement(&name);
    let bytes = std::fs::read(path).unwrap();
    let bundle = common::zip_bundle(&[(member, &bytes)]);
    let report = analyze_bytes(&name, bundle, &Options::default()).unwrap().report;
    report.findings.iter().map(|f| (f.id.clone(), f.severity.as_str().to_string())).collect()
}

#[test]
fn excerpts_named_for_a_failure_raise_its_finding() {
    let Some(root) = corpus() else { return };
    let expected: &[(&str, &[&str])] = &[
        (
            "issue-1055_wala-2.2.x_vmsnapshot-install-exit127-goalstate-missing.log",
            &["python-unsupported", "agent-goal-state-failing"],
        ),
        ("issue-1059_wala-2.2.22_vmsnapshot-downgrade-not-allowed.log", &["vmsnapshot-failed"]),
        ("issue-1343_wala-2.2.31_dhcp-no-response-freebsd-verbose.log", &["dhcp-disabled"]),
        ("issue-1423_wala-2.2.34_exception-processing-extension-handlers.log", &["agent-goal-state-failing"]),
        ("issue-2355_wala-2.2.45_exceeded-max-retry-goal-state.log", &["wireserver-unreachable"]),
        ("issue-2774_wala-2.9.0.4_vmsettings-connection-refused-traceback.log", &["wireserver-unreachable"]),
        ("issue-626_wala-2.2.6_did-not-terminate-cleanly.log", &["agent-not-running", "agent-outdated"]),
        ("issue-828_wala-2.2.14_agent-failed-with-exception-traceback.log", &["agent-not-running"]),
        ("issue-945_wala-2.2.x_goalstate-xml-missing.log", &["agent-goal-state-failing"]),
        ("wala-e2e-agent_log-comment-samples.log", &["wireserver-unreachable", "extension-failed"]),
        ("linux_console_freeze_timeout_sighandle0_ale951.log", &["fsfreeze-failed"]),
        ("linux_extlog_dosnapshot_500_ale2019.log", &["storage-unreachable"]),
        ("linux_extlog_fithaw_failed_docs_sample.log", &["fsfreeze-failed"]),
        ("linux_extlog_freeze_lock_retry_ale1309.log", &["fsfreeze-failed"]),
        ("linux_extlog_py2_nonetwork_httputil_traceback_ale758.log", &["storage-unreachable"]),
        ("linux_extlog_py2_restrictednetwork_409_ale494.log", &["storage-unreachable"]),
        ("linux_extlog_py3_freeze_hang_ale1868.log", &["fsfreeze-failed"]),
        ("linux_shelllog_python_unknown_ale946.log", &["python-unsupported"]),
        ("linux_stderr_python314_imp_crypt_ale2172.log", &["python-unsupported"]),
        ("linux_waagent_enable_error_ubuntu2404_ale1922.log", &["vmsnapshot-failed"]),
        ("linux_waagent_install_exit127_wala1055.log", &["python-unsupported"]),
        ("linux_waagent_status_install_exitcode3_ale946.log", &["python-unsupported"]),
    ];
    for (file, ids) in expected {
        let path = root.join(if file.starts_with("linux_") { "vmsnapshot" } else { "linux/logs" }).join(file);
        let got = findings_for(&path);
        for id in *ids {
            assert!(got.iter().any(|(g, _)| g == id), "{file}: expected {id}, got {got:?}");
        }
    }
}

#[test]
fn benign_excerpts_raise_no_error() {
    let Some(root) = corpus() else { return };
    // Start-up noise, a recovered goal-state error, heartbeats, a DHCP re-discovery that succeeded.
    for file in [
        "linux/logs/issue-1059b_wala-2.2.20_daemon-startup-masked-ip.log",
        "linux/logs/issue-2960_wala-2.x_goal-state-recovered.log",
        "linux/logs/issue-3123_wala-2.9.1.1_heartbeat-discovered-upgrade.log",
        "linux/logs/issue-1239_wala-2.2.x_journald-prefixed-vmsnapshot.log",
        "vmsnapshot/linux_waagent_wireserver_dhcp_wala1059.log",
    ] {
        let got = findings_for(&root.join(file));
        assert!(got.iter().all(|(_, sev)| sev != "error" && sev != "critical"), "{file}: {got:?}");
    }
}

#[test]
fn real_state_files_parse() {
    let Some(root) = corpus() else { return };
    use snaptriage_parsers::{ext_status, extensions_config, goal_state, waagent_conf};
    for f in files(&root.join("linux/etc"), "conf") {
        let text = std::fs::read_to_string(&f).unwrap();
        let conf = waagent_conf::parse(&text);
        let invalid: Vec<&str> = conf.invalid_lines.iter().map(|l| l.text.as_str()).collect();
        // The agent's own test config carries one deliberately keyless line.
        let expected: &[&str] = if f.ends_with("test_waagent.conf") { &["=Value0"] } else { &[] };
        assert_eq!(invalid, expected, "{}", f.display());
    }
    let conf = waagent_conf::parse(&std::fs::read_to_string(root.join("linux/etc/waagent.conf")).unwrap());
    assert_eq!(conf.switch("Extensions.Enabled"), Some(true));
    let ec = extensions_config::parse(
        &std::fs::read(root.join("linux/var_lib_waagent/ExtensionsConfig.1.xml")).unwrap(),
    )
    .unwrap();
    assert!(!ec.plugins.is_empty());
    let ec = extensions_config::parse(
        &std::fs::read(root.join("linux/history_sample/ExtensionsConfig.xml")).unwrap(),
    )
    .unwrap();
    assert!(!ec.plugins.is_empty());
    for gs in ["linux/var_lib_waagent/GoalState.1.xml", "linux/history_sample/GoalState.xml"] {
        goal_state::parse(&std::fs::read(root.join(gs)).unwrap()).unwrap();
    }
    let status =
        ext_status::parse(&std::fs::read(root.join("linux/extension/vmsnapshot-sample.status")).unwrap())
            .unwrap();
    assert!(status.is_vmsnapshot_linux());
    for bad in [
        "invalid-json-format.status",
        "invalid-no-status-status-key.status",
        "invalid-format-emptykey-line7.status",
    ] {
        assert!(
            ext_status::parse(&std::fs::read(root.join("linux/extension").join(bad)).unwrap()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn a_bundle_of_the_whole_linux_corpus_is_analysed_with_every_member_accounted_for() {
    let Some(root) = corpus() else { return };
    let mut members: Vec<(String, Vec<u8>)> = Vec::new();
    for sub in ["etc", "extension", "history_sample", "var_lib_waagent", "vmsettings", "logs"] {
        for e in std::fs::read_dir(root.join("linux").join(sub)).unwrap().flatten() {
            let p = e.path();
            let name = format!("corpus/{sub}/{}", p.file_name().unwrap().to_string_lossy());
            members.push((name, std::fs::read(&p).unwrap()));
        }
    }
    members.sort();
    let refs: Vec<(&str, &[u8])> = members.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let report = analyze_bytes("corpus.zip", common::zip_bundle(&refs), &Options::default()).unwrap().report;
    assert_eq!(report.inventory.len(), members.len());
}
