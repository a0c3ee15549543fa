//! The JSON report contract: shape, ordering, determinism.

mod common;

use snaptriage::{analyze_bytes, Options};

fn report_json(bytes: Vec<u8>) -> serde_json::Value {
    let analysis = analyze_bytes("bundle.zip", bytes, &Options::default()).unwrap();
    serde_json::from_str(&snaptriage::report::render_json(&analysis.report)).unwrap()
}

fn mixed_bundle() -> Vec<u8> {
    let log = common::wireserver_outage_log();
    let conf = "# agent config\nExtensions.Enabled=n\nAutoUpdate.Enabled=y\n";
    let ext = "2024-03-15 19:30:05.000001 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]T:S freeze, timeout value 60\n\
               2024-03-15 19:30:06.000001 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]Failed to FIFREEZE: /data with error message: Operation not supported\n\
               2024-03-15 19:30:07.000001 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]T:S Enable failed with error: freeze failed for some mount StatusCode.FailedRetryableFsFreezeFailed,\n";
    common::zip_bundle(&[
        ("var/log/waagent.log", log.as_bytes()),
        ("etc/waagent.conf", conf.as_bytes()),
        ("var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log", ext.as_bytes()),
        ("var/lib/waagent/notes.bin", b"\x00\x01"),
    ])
}

#[test]
fn report_has_the_documented_shape() {
    let r = report_json(mixed_bundle());
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["tool"]["name"], "snaptriage");
    assert_eq!(r["bundle"]["os"], "linux");
    assert_eq!(r["bundle"]["sha256"].as_str().unwrap().len(), 64);
    for key in ["agent_version", "extensions", "config", "sources"] {
        assert!(r["facts"].get(key).is_some(), "facts.{key}");
    }
    assert_eq!(r["facts"]["config"]["Extensions.Enabled"], "n");
    let f = &r["findings"][0];
    for key in [
        "id",
        "severity",
        "confidence",
        "error_codes",
        "title",
        "summary",
        "first_seen",
        "last_seen",
        "evidence",
        "remediation",
    ] {
        assert!(f.get(key).is_some(), "finding.{key}");
    }
    let e = &f["evidence"][0];
    for key in ["path", "line", "record_id", "timestamp", "text"] {
        assert!(e.get(key).is_some(), "evidence.{key}");
    }
    let inv = r["inventory"].as_array().unwrap();
    assert_eq!(inv.len(), 4);
    let unknown = inv.iter().find(|i| i["path"] == "var/lib/waagent/notes.bin").unwrap();
    assert_eq!((unknown["kind"].as_str(), unknown["status"].as_str()), (Some("unknown"), Some("skipped")));
    for key in ["members", "records", "signals", "elapsed_ms"] {
        assert!(r["stats"][key].is_u64(), "stats.{key}");
    }
}

#[test]
fn findings_are_sorted_by_severity_then_time_then_id() {
    let r = report_json(mixed_bundle());
    let ids: Vec<&str> =
        r["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    // All three are errors: dated ones by first_seen (freeze 19:30 before the outage at 20:00), undated last.
    assert_eq!(ids, vec!["fsfreeze-failed", "wireserver-unreachable", "agent-config-blocks-extensions"]);
    let rank = |s: &str| ["critical", "error", "warning", "info"].iter().position(|x| *x == s).unwrap();
    let findings = r["findings"].as_array().unwrap();
    for w in findings.windows(2) {
        let (a, b) = (rank(w[0]["severity"].as_str().unwrap()), rank(w[1]["severity"].as_str().unwrap()));
        assert!(a <= b);
    }
}

#[test]
fn output_is_byte_identical_across_runs_apart_from_elapsed_ms() {
    let render = || {
        let a = analyze_bytes("bundle.zip", mixed_bundle(), &Options::default()).unwrap();
        let mut r = a.report;
        r.stats.elapsed_ms = 0;
        snaptriage::report::render_json(&r)
    };
    let first = render();
    for _ in 0..3 {
        assert_eq!(render(), first);
    }
}

#[test]
fn report_states_its_coverage() {
    let r = report_json(mixed_bundle());
    let c = &r["coverage"];
    for key in ["total", "parsed", "partial", "failed", "skipped"] {
        assert!(c["members"][key].is_u64(), "coverage.members.{key}");
    }
    assert_eq!(c["members"]["total"], 4);
    assert_eq!(c["members"]["skipped"], 1);
    assert_eq!(c["analysed"], 3);
    assert_eq!(c["lost"], serde_json::json!([]));
    let families = c["sources"].as_array().unwrap();
    for f in families {
        for key in ["family", "label", "present", "files", "read", "first", "last"] {
            assert!(f.get(key).is_some(), "coverage.sources[].{key}");
        }
    }
    let family = |id: &str| families.iter().find(|f| f["family"] == id).unwrap().clone();
    assert_eq!(family("linux-agent-log")["present"], true);
    assert_eq!(family("linux-agent-log")["first"], "2024-03-15T08:00:01.100000Z");
    assert_eq!(family("backup-extension-logs")["files"], 1);
    assert_eq!(family("windows-event-logs")["present"], false);
    assert!(c["summary"]
        .as_str()
        .unwrap()
        .starts_with("read 3 of 4 members (1 skipped); Linux agent log: 1 file"));
}
