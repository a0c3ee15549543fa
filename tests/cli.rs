//! The command-line contract: exit codes, formats, shorthand, errors on stderr.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

fn snaptriage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_snaptriage")).args(args).output().expect("runs")
}

fn write_temp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("snaptriage-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn healthy_bundle_exits_0_and_writes_json_when_piped() {
    let log = common::healthy_waagent_log();
    let bundle = write_temp("healthy.zip", &common::zip_bundle(&[("var/log/waagent.log", log.as_bytes())]));
    let out = snaptriage(&["analyze", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is the JSON report");
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    assert_eq!(report["facts"]["agent_version"], "2.10.0.8");
}

#[test]
fn error_findings_exit_1_and_shorthand_works() {
    let log = common::wireserver_outage_log();
    let bundle = write_temp("outage.zip", &common::zip_bundle(&[("var/log/waagent.log", log.as_bytes())]));
    let out = snaptriage(&[bundle.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["wireserver-unreachable"]);
}

#[test]
fn unreadable_input_exits_2_with_a_clear_error() {
    let out = snaptriage(&["analyze", "/nonexistent/bundle.zip"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/bundle.zip") && err.contains("No such file"), "{err}");
    assert!(out.stdout.is_empty());

    let corrupt = write_temp("corrupt.zip", b"PK\x03\x04 this is not really a zip archive");
    let out = snaptriage(&["analyze", corrupt.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a readable zip archive"));
}

#[test]
fn bad_flags_exit_2() {
    assert_eq!(snaptriage(&["analyze"]).status.code(), Some(2));
    assert_eq!(snaptriage(&["analyze", "x.zip", "--timezone-assume", "Mars/Olympus"]).status.code(), Some(2));
}

#[test]
fn formats_render() {
    let log = common::wireserver_outage_log();
    let bundle = write_temp("formats.zip", &common::zip_bundle(&[("var/log/waagent.log", log.as_bytes())]));
    let b = bundle.to_str().unwrap();
    let table = String::from_utf8(snaptriage(&["analyze", b, "-f", "table"]).stdout).unwrap();
    assert!(table.contains("wireserver-unreachable") && table.contains("what to do:"), "{table}");
    let md = String::from_utf8(snaptriage(&["analyze", b, "-f", "markdown"]).stdout).unwrap();
    assert!(md.starts_with("# snaptriage report") && md.contains("| `var/log/waagent.log`"));
    let html = String::from_utf8(snaptriage(&["analyze", b, "-f", "html"]).stdout).unwrap();
    assert!(html.starts_with("<!doctype html>") && html.contains("wireserver-unreachable"));
    let out_file = bundle.with_extension("json");
    let out = snaptriage(&["analyze", b, "-f", "json", "-o", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(written["schema_version"], 1);
}

#[test]
fn explain_codes_and_ids() {
    let out = snaptriage(&["explain", "usererrorfsfreezefailed"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("UserErrorFsFreezeFailed") && text.contains("fsfreeze-failed"), "{text}");
    let out = snaptriage(&["explain", "UserErrorRequestDisallowedByPolicy"]);
    assert!(String::from_utf8(out.stdout).unwrap().contains("No snaptriage finding explains it"));
    let out = snaptriage(&["explain", "dhcp-disabled"]);
    assert!(String::from_utf8(out.stdout).unwrap().contains("Rule:"));
    let out = snaptriage(&["explain", "FsFreeze"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean: UserErrorFsFreezeFailed"));
}

#[test]
fn rules_lists_every_diagnosis_and_accepts_user_signatures() {
    let out = snaptriage(&["rules", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let rules: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> =
        rules["diagnoses"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    for id in ["agent-not-running", "fsfreeze-failed", "vmsnapshot-failed", "backup-overlap"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let custom = write_temp(
        "custom.toml",
        b"[[signature]]\nid = 'site.custom'\nsignal = 'site.custom'\nall = ['hello']\n",
    );
    let out = snaptriage(&["rules", "--signatures", custom.to_str().unwrap()]);
    assert!(String::from_utf8(out.stdout).unwrap().contains("site.custom"));
    let clash = write_temp("clash.toml", b"[[signature]]\nid = 'agent.start'\nsignal = 'x'\nall = ['y']\n");
    let out = snaptriage(&["rules", "--signatures", clash.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("clashes"));
}

#[test]
fn batch_survives_a_bad_bundle() {
    let dir = std::env::temp_dir().join(format!("snaptriage-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a-good.zip"),
        common::zip_bundle(&[("var/log/waagent.log", common::healthy_waagent_log().as_bytes())]),
    )
    .unwrap();
    std::fs::write(dir.join("b-bad.zip"), b"PK\x03\x04garbage").unwrap();
    std::fs::write(
        dir.join("c-outage.zip"),
        common::zip_bundle(&[("var/log/waagent.log", common::wireserver_outage_log().as_bytes())]),
    )
    .unwrap();
    let out = snaptriage(&["batch", dir.to_str().unwrap(), "-j", "2"]);
    assert_eq!(out.status.code(), Some(0), "every bundle got its line");
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let names: Vec<&str> =
        lines.iter().map(|l| l["path"].as_str().unwrap().rsplit('/').next().unwrap()).collect();
    assert_eq!(names, vec!["a-good.zip", "b-bad.zip", "c-outage.zip"], "lines in input order");
    assert_eq!(lines[0]["findings"], serde_json::json!([]));
    assert_eq!(lines[1]["status"], "error");
    assert!(lines[1]["error"].as_str().unwrap().contains("not a readable zip archive"));
    assert_eq!(lines[2]["findings"][0]["id"], "wireserver-unreachable");
}

#[test]
fn timeline_exports_every_record_in_utc_order() {
    let log = common::wireserver_outage_log();
    let bundle = write_temp("timeline.zip", &common::zip_bundle(&[("var/log/waagent.log", log.as_bytes())]));
    let out = snaptriage(&["timeline", bundle.to_str().unwrap(), "-f", "csv", "--all"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[0].starts_with("message,datetime,timestamp,timestamp_desc,source_path,line"), "{}", rows[0]);
    assert_eq!(rows.len() - 1, log.lines().count());
    // The microsecond timestamp column, numerically ordered.
    let times: Vec<i64> = rows[1..]
        .iter()
        .map(|r| {
            r.rsplit(",Log Record Written,").nth(1).unwrap().rsplit(',').next().unwrap().parse().unwrap()
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert!(text.contains("wire.failure"));
    // By default only the tagged records.
    let tagged = snaptriage(&["timeline", bundle.to_str().unwrap(), "-f", "csv"]);
    let tagged = String::from_utf8(tagged.stdout).unwrap();
    assert!(tagged.lines().count() > 1 && tagged.lines().count() < rows.len());
    assert!(tagged.lines().skip(1).all(|r| !r.ends_with(",,1,")), "every default row names its signals");
}

/// Runs `args`, reads `keep` bytes of standard output (none: closes it before the first write), closes the
/// pipe, and checks the command ends with exit 0 and says nothing on standard error.
fn assert_closed_pipe_is_success(args: &[&str], keep: usize) {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_snaptriage"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut stdout = child.stdout.take().unwrap();
    if keep > 0 {
        let mut buf = vec![0u8; keep];
        stdout.read_exact(&mut buf).expect("some output");
    }
    drop(stdout);
    let out = child.wait_with_output().expect("ends");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    assert!(err.is_empty(), "{args:?} wrote to stderr: {err}");
}

fn sample(rel: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(rel).to_str().unwrap().to_string()
}

#[test]
fn a_closed_pipe_ends_rules_quietly() {
    // Both listings are larger than a pipe's buffer, so the writer meets the closed end.
    assert_closed_pipe_is_success(&["rules"], 16);
    assert_closed_pipe_is_success(&["rules", "-f", "toml"], 16);
    assert_closed_pipe_is_success(&["rules", "-f", "json"], 0);
}

#[test]
fn a_closed_pipe_ends_explain_quietly() {
    assert_closed_pipe_is_success(&["explain", "UserErrorFsFreezeFailed"], 0);
    assert_closed_pipe_is_success(&["explain", "fsfreeze-failed"], 0);
}

#[test]
fn a_closed_pipe_ends_timeline_quietly() {
    let bundle = sample("linux/linux-fsfreeze-failed.tar.gz");
    assert_closed_pipe_is_success(&["timeline", &bundle], 16);
    assert_closed_pipe_is_success(&["timeline", &bundle, "-f", "csv"], 16);
}

#[test]
fn a_closed_pipe_ends_analyze_quietly() {
    let bundle = sample("linux/linux-fsfreeze-failed.tar.gz");
    assert_closed_pipe_is_success(&["analyze", &bundle, "-f", "json"], 0);
    assert_closed_pipe_is_success(&[&bundle, "-f", "table"], 0);
}

#[test]
fn a_closed_pipe_ends_batch_quietly() {
    assert_closed_pipe_is_success(&["batch", &sample("linux"), &sample("windows"), "-j", "2"], 0);
    assert_closed_pipe_is_success(&["batch", &sample("linux"), "-j", "1"], 8);
}

#[test]
fn a_closed_pipe_ends_help_quietly() {
    assert_closed_pipe_is_success(&["--help"], 0);
}

/// The report without its one varying field, `stats.elapsed_ms`.
fn report_without_timing(stdout: &[u8]) -> serde_json::Value {
    let mut report: serde_json::Value = serde_json::from_slice(stdout).expect("stdout is the JSON report");
    report["stats"]["elapsed_ms"] = 0.into();
    report
}

#[test]
fn progress_bar_goes_to_stderr_only_and_leaves_the_report_unchanged() {
    let log = common::wireserver_outage_log();
    let bundle = write_temp("progress.zip", &common::zip_bundle(&[("var/log/waagent.log", log.as_bytes())]));
    let bundle = bundle.to_str().unwrap();
    let drawn = snaptriage(&["analyze", bundle, "--format", "json", "--progress", "always"]);
    let plain = snaptriage(&["analyze", bundle, "--format", "json", "--progress", "never"]);
    assert_eq!((drawn.status.code(), plain.status.code()), (Some(1), Some(1)));
    assert_eq!(report_without_timing(&drawn.stdout), report_without_timing(&plain.stdout));
    let bar = String::from_utf8_lossy(&drawn.stderr);
    let last_drawn = bar.rfind("members").unwrap_or_else(|| panic!("no bar on stderr: {bar:?}"));
    assert!(bar[last_drawn..].contains("\x1b[2K"), "the bar is erased at the end: {bar:?}");
    assert!(plain.stderr.is_empty(), "{}", String::from_utf8_lossy(&plain.stderr));
    // Standard error is not a terminal here, so `auto` draws nothing.
    let auto = snaptriage(&["analyze", bundle, "--format", "json"]);
    assert!(auto.stderr.is_empty(), "{}", String::from_utf8_lossy(&auto.stderr));
}

#[test]
fn batch_progress_counts_bundles_on_stderr_and_keeps_every_line_whole() {
    let healthy = common::healthy_waagent_log();
    let outage = common::wireserver_outage_log();
    let a = write_temp(
        "batch-progress-a.zip",
        &common::zip_bundle(&[("var/log/waagent.log", healthy.as_bytes())]),
    );
    let b = write_temp(
        "batch-progress-b.zip",
        &common::zip_bundle(&[("var/log/waagent.log", outage.as_bytes())]),
    );
    let out = snaptriage(&["batch", a.to_str().unwrap(), b.to_str().unwrap(), "--progress", "always"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each stdout line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/2 bundles"), "no batch bar on stderr: {err:?}");
    let summary = &err[err.rfind("\x1b[2K").expect("the bar is erased")..];
    let analysed = summary.lines().find(|l| l.contains("analysed")).unwrap_or_else(|| panic!("{err:?}"));
    assert!(analysed.contains(" 2 "), "the summary follows the erased bar: {err:?}");
}
