//! `snaptriage timeline`: Timesketch's columns, the signals by default, every record exactly once with
//! `--all`, a time range with `--from`/`--to`; golden files of two samples in both formats.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

const SAMPLES: &[&str] = &["linux/linux-fsfreeze-failed.tar.gz", "windows/windows-vmsnapshot-crash.zip"];

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_snaptriage"))
        .args(args)
        .args(["--progress", "never"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    assert!(out.status.code().is_some_and(|c| c <= 1), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn rows(args: &[&str]) -> Vec<Value> {
    run(args).lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect()
}

fn sample(s: &str) -> String {
    format!("samples/{s}")
}

#[test]
fn all_emits_every_record_exactly_once_in_time_order() {
    for s in SAMPLES {
        let bundle = sample(s);
        let rows = rows(&["timeline", &bundle, "--all"]);
        // Each log's row count is the record count its inventory row states (read independently of the export).
        let report: Value = serde_json::from_str(&run(&["analyze", &bundle, "-f", "json"])).unwrap();
        let mut per_member: BTreeMap<String, usize> = BTreeMap::new();
        for r in &rows {
            *per_member.entry(r["source_path"].as_str().unwrap().to_string()).or_default() += 1;
        }
        let mut logs = 0;
        for entry in report["inventory"].as_array().unwrap() {
            let detail = entry["detail"].as_str().unwrap_or("");
            let Some(n) = detail.split(" records").next().and_then(|n| n.parse::<usize>().ok()) else {
                continue;
            };
            let path = entry["path"].as_str().unwrap();
            assert_eq!(per_member.get(path).copied().unwrap_or(0), n, "{s}: {path}");
            logs += 1;
        }
        assert!(logs >= 3, "{s}: the sample has logs");
        let mut places: Vec<(String, Option<u64>, Option<u64>)> = rows
            .iter()
            .map(|r| (r["source_path"].to_string(), r["line"].as_u64(), r["record_id"].as_u64()))
            .collect();
        let total = places.len();
        places.sort();
        places.dedup();
        assert_eq!(places.len(), total, "{s}: a record appears twice");
        let times: Vec<i64> = rows.iter().filter_map(|r| r["timestamp"].as_i64()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{s}: not in time order");
        for r in &rows {
            assert!(r["message"].is_string() && r["timestamp_desc"].is_string() && r["signals"].is_array());
        }
    }
}

#[test]
fn by_default_only_tagged_records_and_a_range_keeps_its_part() {
    let bundle = sample(SAMPLES[0]);
    let tagged = rows(&["timeline", &bundle]);
    let all = rows(&["timeline", &bundle, "--all"]);
    assert!(!tagged.is_empty() && tagged.len() < all.len());
    assert!(tagged.iter().all(|r| !r["signals"].as_array().unwrap().is_empty()));
    let range = rows(&["timeline", &bundle, "--from", "2025-04-11T01:00:00Z", "--to", "2025-04-11 01:05"]);
    assert!(!range.is_empty() && range.len() < tagged.len());
    for r in &range {
        let t = r["datetime"].as_str().unwrap();
        assert!(("2025-04-11T01:00:00"..="2025-04-11T01:05:00.999999Z").contains(&t), "{t}");
    }
    assert!(range.iter().any(|r| r["signals"].as_array().unwrap().iter().any(|s| s == "freeze.failure")));
}

#[test]
fn the_exports_of_two_samples_match_their_golden_files() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_snapshot_path("snapshots/timeline");
    settings.bind(|| {
        for s in SAMPLES {
            let name = s.rsplit('/').next().unwrap();
            for format in ["csv", "jsonl"] {
                let text = run(&["timeline", &sample(s), "--format", format]);
                insta::assert_snapshot!(format!("{name}.{format}"), text);
            }
        }
    });
}
