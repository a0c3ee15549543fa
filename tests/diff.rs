//! `snaptriage diff OLD NEW`: a bundle collected before a fix against one collected after it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use snaptriage::diff::{
    compare, render_html, render_json, render_markdown, render_table, ReportDiff, VerdictKind,
};
use snaptriage::report::Report;
use snaptriage::{analyze_bytes, analyze_path, Options};

const EXT_DIR: &str = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0";

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/linux")
}

/// The members of the fsfreeze-failed scenario: a Debian VM whose last run (seq 122) failed with code 121.
fn freeze_failure_files() -> Vec<(String, Vec<u8>)> {
    snaptriage_fixtures::linux_scenarios()
        .into_iter()
        .find(|s| s.name == "linux-fsfreeze-failed")
        .expect("the fsfreeze-failed scenario")
        .files
}

/// A success status of the backup extension for a run at `at`.
fn success_status(at: &str) -> String {
    format!(
        r#"[{{"version": "1.0", "timestampUTC": "{at}", "status": {{"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "operation": "Enable", "status": "success", "code": "1", "formattedMessage": {{"lang": "en-US", "message": "{{\"messageStr\": \"snapshotCreator=backupHostService, hostStatusCodePreSnapshot=200, hostStatusCodeDoSnapshot=200, \", \"snapshotConsistency\": 1}}"}}}}}}]"#
    )
}

fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
    common::zip_bundle(&refs)
}

/// OLD: the VM while freezing fails. NEW: the same VM two nights later, the same logs plus two runs that
/// succeeded (seq 123, 124).
fn before_and_after() -> (Vec<u8>, Vec<u8>) {
    let old = freeze_failure_files();
    let mut new = old.clone();
    new.retain(|(p, _)| !p.ends_with("/mrseq"));
    new.push((format!("{EXT_DIR}/status/123.status"), success_status("2025-04-12T01:02:10Z").into_bytes()));
    new.push((format!("{EXT_DIR}/status/124.status"), success_status("2025-04-13T01:01:45Z").into_bytes()));
    new.push((format!("{EXT_DIR}/mrseq"), b"124".to_vec()));
    (zip_of(&old), zip_of(&new))
}

fn report(name: &str, bytes: Vec<u8>) -> Report {
    analyze_bytes(name, bytes, &Options::default()).expect("analyses").report
}

fn sample(name: &str) -> Report {
    analyze_path(&samples().join(name), &Options::default()).expect("analyses").report
}

fn snaptriage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_snaptriage")).args(args).output().expect("runs")
}

fn write_temp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("snaptriage-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn persisting_ids(diff: &ReportDiff) -> Vec<&str> {
    diff.findings.persisting.iter().map(|p| p.id.as_str()).collect()
}

/// `seq:outcome` of runs.
fn runs(list: &[snaptriage::diff::RunState]) -> Vec<String> {
    list.iter()
        .map(|r| format!("{}:{}", r.seq.map_or("-".into(), |s| s.to_string()), r.outcome.as_str()))
        .collect()
}

#[test]
fn a_fix_shows_the_failed_run_before_and_the_successful_runs_since() {
    let (old, new) = before_and_after();
    let diff = compare(&report("old.zip", old), &report("new.zip", new));
    assert!(diff.warnings.is_empty(), "{:?}", diff.warnings);
    assert!(diff.findings.resolved.is_empty() && diff.findings.new.is_empty());
    assert_eq!(persisting_ids(&diff), ["fsfreeze-failed"]);
    let before = diff.runs.last_before.as_ref().unwrap();
    assert_eq!((before.seq, before.outcome.as_str()), (Some(122), "failed"));
    assert_eq!(before.root_cause.as_deref(), Some("fsfreeze-failed"));
    assert_eq!(before.code, "121 FailedRetryableFsFreezeFailed");
    assert_eq!(
        diff.runs.last_after.as_ref().map(|r| (r.seq, r.outcome.as_str())),
        Some((Some(124), "success"))
    );
    assert_eq!(runs(&diff.runs.only_new), ["123:success", "124:success"]);
    assert!(diff.runs.only_old.is_empty());
    let c = diff.runs.counts;
    assert_eq!((c.old, c.new, c.in_both, c.only_old, c.only_new, c.only_new_failed), (4, 6, 4, 0, 2, 0));
    assert_eq!(diff.verdict.kind, VerdictKind::Fixed);
    assert_eq!(
        diff.verdict.text,
        "fixed: fsfreeze-failed not seen since 2025-04-11 01:03:31 UTC and the 2 runs since succeed"
    );
    // Both time ranges of the persisting finding are kept.
    let p = &diff.findings.persisting[0];
    assert_eq!(p.old.last_seen, p.new.last_seen);
    assert!(!p.severity_changed);
}

#[test]
fn the_same_bundle_twice_persists_everything_and_resolves_nothing() {
    let a = sample("linux-fsfreeze-failed.tar.gz");
    let diff = compare(&a, &a);
    assert!(diff.warnings.is_empty(), "{:?}", diff.warnings);
    assert!(diff.findings.resolved.is_empty() && diff.findings.new.is_empty());
    assert_eq!(persisting_ids(&diff), ["fsfreeze-failed"]);
    assert!(diff.runs.only_new.is_empty() && diff.runs.only_old.is_empty());
    assert_eq!(diff.runs.counts.in_both, 4);
    assert_eq!(diff.verdict.kind, VerdictKind::NotFixed);
    assert_eq!(
        diff.verdict.text,
        "not fixed: fsfreeze-failed persists, last run at 2025-04-11 01:03:25 UTC failed (121 FailedRetryableFsFreezeFailed)"
    );

    let healthy = sample("linux-healthy-new-agent.zip");
    let diff = compare(&healthy, &healthy);
    assert_eq!(diff.verdict.kind, VerdictKind::Unchanged);
    assert!(diff.findings.persisting.is_empty() && diff.runs.only_new.is_empty());
}

#[test]
fn bundles_of_different_vms_are_compared_with_warnings() {
    let diff = compare(&sample("linux-fsfreeze-failed.tar.gz"), &sample("linux-healthy-new-agent.zip"));
    let ids: Vec<&str> = diff.findings.resolved.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["fsfreeze-failed"]);
    assert_eq!(diff.warnings.len(), 4, "{:?}", diff.warnings);
    assert!(diff.warnings[0].contains("different VMs") && diff.warnings[0].contains("Ubuntu 22.04"));
    assert!(
        diff.warnings[1].ends_with("OLD's VM name is mysql-02, NEW's is web-prod-02"),
        "{}",
        diff.warnings[1]
    );
    assert!(diff.warnings[2].contains("sequence numbers stop at 23, below OLD's 122"));
    assert!(diff.warnings[3].starts_with("NEW was collected before OLD"));
    // No run of one VM is taken for a run of the other.
    assert_eq!(diff.runs.counts.in_both, 0);
    assert_eq!(runs(&diff.runs.only_old), ["119:success", "120:success", "121:success", "122:failed"]);
}

#[test]
fn every_format_renders_the_three_sections() {
    let (old, new) = before_and_after();
    let diff = compare(&report("old.zip", old), &report("new<&>.zip", new));
    let json: serde_json::Value = serde_json::from_str(&render_json(&diff)).expect("json parses");
    assert_eq!(json["verdict"]["kind"], "fixed");
    assert_eq!(json["findings"]["persisting"][0]["id"], "fsfreeze-failed");
    assert_eq!(json["runs"]["only_new"][1]["seq"], 124);
    let md = render_markdown(&diff);
    for section in ["\n## Resolved (0)", "\n## New (0)", "\n## Persisting (1)", "\n## Backup runs"] {
        assert!(md.contains(section), "{section} missing:\n{md}");
    }
    assert!(md.contains("**fixed: fsfreeze-failed not seen since"), "{md}");
    let html = render_html(&diff);
    assert!(html.contains("new&lt;&amp;&gt;.zip") && !html.contains("new<&>.zip"), "{html}");
    assert!(html.contains("<h2>Persisting (1)</h2>"));
    let table = render_table(&diff);
    assert!(table.contains("last run before: run-4 (seq 122)"), "{table}");
    assert!(table.contains("run-6 (seq 124) at 2025-04-13 01:01:45 UTC: success"), "{table}");
}

#[test]
fn exit_codes_follow_the_new_bundle_and_name_the_side_that_fails() {
    let (old, _) = before_and_after();
    let old = write_temp("old.zip", &old);
    let healthy = samples().join("linux-healthy-new-agent.zip");
    let (old, healthy) = (old.to_str().unwrap(), healthy.to_str().unwrap());

    let out = snaptriage(&["diff", old, healthy, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"]["resolved"][0]["id"], "fsfreeze-failed");
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("snaptriage: warning: the bundles look like different VMs"));

    let out = snaptriage(&["diff", healthy, old, "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\n## New (1)"));

    let out = snaptriage(&["diff", old, "/nonexistent/after.zip"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("NEW bundle") && err.contains("/nonexistent/after.zip"), "{err}");
    assert!(out.stdout.is_empty());
    let empty = write_temp("empty.zip", b"");
    let out = snaptriage(&["diff", empty.to_str().unwrap(), old]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("OLD bundle"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
