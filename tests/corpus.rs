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

// ================================================================ Windows: real event logs

/// A golden event rendered from a corpus event log: which file, which record, and its values.
struct GoldenEvent {
    file: String,
    record: u64,
    provider: String,
    event_id: u32,
    /// `<Data>` values in order, with their `Name` when they have one.
    data: Vec<(Option<String>, String)>,
}

/// Reads `event-xml/*.xml` (each names its source file and record number in a comment).
fn golden_events(root: &Path) -> Vec<GoldenEvent> {
    let mut out = Vec::new();
    for path in files(&root.join("windows/event-xml"), "xml") {
        let text = std::fs::read_to_string(&path).unwrap();
        let comment = text.split("<!-- source file: ").nth(1).unwrap();
        let (file, rest) = comment.split_once(" ; evtx_dump record ").unwrap();
        let record: u64 = rest.split_whitespace().next().unwrap().parse().unwrap();
        let provider = text.split("<Provider Name=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let id_text = text.split("<EventID").nth(1).unwrap().split('>').nth(1).unwrap();
        let event_id: u32 = id_text.split('<').next().unwrap().trim().parse().unwrap();
        let mut data = Vec::new();
        for piece in text.split("<Data").skip(1) {
            let (attrs, body) = piece.split_once('>').unwrap();
            let name = attrs.split("Name=\"").nth(1).map(|n| n.split('"').next().unwrap().to_string());
            let value = if attrs.ends_with('/') {
                String::new()
            } else {
                body.split("</Data>").next().unwrap().to_string()
            };
            data.push((name, unescape(&value)));
        }
        out.push(GoldenEvent { file: file.trim().to_string(), record, provider, event_id, data });
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Analyses one corpus event log placed where a Windows bundle keeps it, keeping the timeline.
fn analyse_evtx(root: &Path, file: &str) -> snaptriage::Analysis {
    let bytes = std::fs::read(root.join("evtx").join(file)).unwrap();
    let member = format!("Windows/System32/winevt/Logs/{file}");
    let bundle = common::zip_bundle(&[(member.as_str(), &bytes)]);
    let opts = Options { keep_timeline: true, ..Options::default() };
    analyze_bytes(file, bundle, &opts).unwrap()
}

#[test]
fn every_corpus_event_log_is_read_and_damage_is_reported() {
    let Some(root) = corpus() else { return };
    let dirty = [
        "omer-Application_no_crc32.evtx",
        "omer-sample-with-zero-data-size-event.evtx",
        "omer-sample_with_a_bad_chunk_magic.evtx",
    ];
    let all = files(&root.join("evtx"), "evtx");
    assert_eq!(all.len(), 15);
    for path in all {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let analysis = analyse_evtx(&root, &file);
        let entry = &analysis.report.inventory[0];
        assert_eq!(entry.kind, "evtx", "{file}");
        if dirty.contains(&file.as_str()) {
            assert_eq!(
                entry.status,
                snaptriage::inventory::MemberStatus::Partial,
                "{file}: {}",
                entry.detail
            );
            assert!(entry.detail.contains("problem"), "{file}: {}", entry.detail);
        } else {
            assert_eq!(entry.status, snaptriage::inventory::MemberStatus::Parsed, "{file}: {}", entry.detail);
        }
        assert!(!analysis.timeline.is_empty(), "{file}: no record read");
        // None of these logs involves the backup extension.
        assert!(analysis.report.findings.iter().all(|f| f.id != "vmsnapshot-crash"), "{file}");
    }
}

#[test]
fn real_application_crashes_are_recognised_with_their_program() {
    let Some(root) = corpus() else { return };
    let golden: Vec<GoldenEvent> = golden_events(&root)
        .into_iter()
        .filter(|g| {
            (g.provider == "Application Error" && g.event_id == 1000)
                || (g.provider == "Windows Error Reporting" && g.event_id == 1001)
        })
        .collect();
    assert!(golden.len() >= 3, "expected Application Error and WER samples");
    for g in golden {
        let analysis = analyse_evtx(&root, &g.file);
        let entry = analysis
            .timeline
            .iter()
            .find(|e| e.record_id == Some(g.record))
            .unwrap_or_else(|| panic!("{} #{}", g.file, g.record));
        let crash_report = g.event_id == 1000
            || g.data.get(2).is_some_and(|(_, v)| {
                ["APPCRASH", "AppHangB1", "CLR20r3", "BEX", "BEX64"].contains(&v.as_str())
            });
        // The program is the first value (Application Error) or P1, the sixth (WER).
        let program = if g.event_id == 1000 { &g.data[0].1 } else { &g.data[5].1 };
        if crash_report {
            assert!(entry.signals.iter().any(|s| s == "win.crash"), "{} #{}: {:?}", g.file, g.record, entry);
            assert!(
                entry.text.contains(program.as_str()),
                "{}: program {program} not in {}",
                g.file,
                entry.text
            );
        } else {
            assert!(
                !entry.signals.iter().any(|s| s == "win.crash"),
                "{} #{}: not a crash report: {}",
                g.file,
                g.record,
                entry.text
            );
        }
    }
}

#[test]
fn defender_detections_name_the_detected_path() {
    let Some(root) = corpus() else { return };
    let analysis = analyse_evtx(&root, "mdecrevoisier-ID1116-1117-Defender_threat_detected.evtx");
    let detections: Vec<_> =
        analysis.timeline.iter().filter(|e| e.signals.iter().any(|s| s == "win.av-detection")).collect();
    assert_eq!(detections.len(), 6, "five 1116 and one 1117");
    assert!(detections.iter().all(|e| e.text.contains("Path=")));
    for g in golden_events(&root).into_iter().filter(|g| {
        g.provider == "Microsoft-Windows-Windows Defender" && (g.event_id == 1116 || g.event_id == 1117)
    }) {
        let path = g.data.iter().find(|(n, _)| n.as_deref() == Some("Path")).map(|(_, v)| v.clone()).unwrap();
        let analysis = analyse_evtx(&root, &g.file);
        let entry = analysis.timeline.iter().find(|e| e.record_id == Some(g.record)).unwrap();
        assert!(entry.signals.iter().any(|s| s == "win.av-detection"), "{entry:?}");
        assert!(entry.text.contains(&format!("Path={path}")), "{}", entry.text);
        assert!(
            analysis.report.findings.iter().all(|f| f.id != "antivirus-interference"),
            "unrelated detection flagged"
        );
    }
}

#[test]
fn real_service_control_manager_events_carry_their_service() {
    let Some(root) = corpus() else { return };
    for g in golden_events(&root)
        .into_iter()
        .filter(|g| g.provider == "Service Control Manager" && [7000, 7023, 7031].contains(&g.event_id))
    {
        let analysis = analyse_evtx(&root, &g.file);
        let entry = analysis.timeline.iter().find(|e| e.record_id == Some(g.record)).unwrap();
        assert!(entry.signals.iter().any(|s| s == "win.service-failure"), "{entry:?}");
        assert!(entry.text.contains(&g.data[0].1), "{}", entry.text);
    }
}
