//! `snaptriage batch` from the outside: which inputs become lines, in which order, what a re-run into the
//! same report directory does, how shards split the inputs, and the summary.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn snaptriage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_snaptriage")).args(args).output().expect("runs")
}

fn snaptriage_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_snaptriage"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().expect("ends")
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("snaptriage-batch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, bytes: &[u8]) -> String {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

fn good_zip() -> Vec<u8> {
    common::zip_bundle(&[("var/log/waagent.log", common::healthy_waagent_log().as_bytes())])
}

/// Every stdout line as JSON; fails unless stdout is strictly JSON lines.
fn lines(out: &Output) -> Vec<Value> {
    let text = String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8");
    assert!(text.is_empty() || text.ends_with('\n'), "the last line is unterminated: {text:?}");
    text.lines()
        .map(|l| {
            let value: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l:?}"));
            assert!(value.is_object(), "{l}");
            value
        })
        .collect()
}

fn ids(lines: &[Value]) -> Vec<String> {
    lines.iter().map(|l| l["id"].as_str().unwrap().to_string()).collect()
}

/// The sample bundles in the order a search of `samples/` finds them.
fn sample_bundles() -> Vec<String> {
    let mut out = Vec::new();
    for os in ["linux", "windows"] {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(samples().join(os)).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        out.extend(files.into_iter().map(|p| p.to_str().unwrap().to_string()));
    }
    out
}

/// A tree of uploads: a corrupt zip, a file that is no bundle, a zip two folders down and an extracted
/// bundle folder.
fn uploads(name: &str) -> (PathBuf, Vec<String>) {
    let dir = scratch(name);
    let corrupt = write(&dir.join("corrupt.zip"), b"PK\x03\x04garbage");
    let nested = write(&dir.join("nested/deeper/good.zip"), &good_zip());
    write(&dir.join("nested/extracted/var/log/waagent.log"), common::wireserver_outage_log().as_bytes());
    write(&dir.join("notes.txt"), b"not a bundle\n");
    let extracted = dir.join("nested/extracted").to_str().unwrap().to_string();
    (dir, vec![corrupt, nested, extracted])
}

#[test]
fn a_batch_over_samples_and_uploads_gives_one_line_per_bundle_in_input_order() {
    let (dir, bundles) = uploads("tree");
    let samples_dir = samples();
    let out = snaptriage(&["batch", samples_dir.to_str().unwrap(), dir.to_str().unwrap(), "-j", "2"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let lines = lines(&out);
    let mut expected = sample_bundles();
    assert_eq!(expected.len(), 37);
    expected.extend(bundles);
    assert_eq!(ids(&lines), expected);
    for line in &lines[..37] {
        assert_eq!(line["status"], "ok", "{line}");
        assert!(line["error"].is_null());
        assert_eq!(line["sha256"].as_str().map(str::len), Some(64), "{line}");
    }
    let corrupt = &lines[37];
    assert_eq!(corrupt["status"], "error");
    assert!(corrupt["error"].as_str().unwrap().contains("not a readable zip archive"), "{corrupt}");
    assert_eq!(corrupt["findings"], serde_json::json!([]));
    assert_eq!(lines[38]["status"], "ok");
    let folder = &lines[39];
    assert!(folder["sha256"].is_null(), "a folder has no content hash: {folder}");
    assert_eq!(folder["findings"][0]["id"], "wireserver-unreachable");
    assert_eq!(folder["os"], "linux");
    assert!(err.contains("README.md") && err.contains("notes.txt"), "the skipped files are named: {err}");
}

#[test]
fn a_line_carries_the_root_cause_and_the_versions() {
    let bundle = samples().join("linux/linux-fsfreeze-failed.tar.gz");
    let out = snaptriage(&["batch", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let line = &lines(&out)[0];
    let report: Value =
        serde_json::from_slice(&snaptriage(&["analyze", bundle.to_str().unwrap(), "-f", "json"]).stdout)
            .unwrap();
    let findings: Vec<Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| serde_json::json!({"id": f["id"], "severity": f["severity"]}))
        .collect();
    assert_eq!(line["findings"], Value::Array(findings));
    assert!(line["findings"].as_array().unwrap().iter().any(|f| f["id"] == "fsfreeze-failed"), "{line}");
    assert_eq!(line["root_cause"], "fsfreeze-failed", "{line}");
    assert_eq!(line["agent_version"], report["facts"]["agent_version"]);
    assert!(line["extension_version"].is_string(), "{line}");
    assert_eq!(line["sha256"], report["bundle"]["sha256"]);
    assert_eq!(line["path"], bundle.to_str().unwrap());
}

#[test]
fn shards_partition_the_inputs() {
    let samples_dir = samples();
    let all = ids(&lines(&snaptriage(&["batch", samples_dir.to_str().unwrap()])));
    let mut union = Vec::new();
    for index in ["0", "1", "2"] {
        let out = snaptriage(&[
            "batch",
            samples_dir.to_str().unwrap(),
            "--shard-count",
            "3",
            "--shard-index",
            index,
        ]);
        assert_eq!(out.status.code(), Some(0));
        let shard = ids(&lines(&out));
        assert!(!shard.is_empty() && shard.len() < all.len(), "shard {index}: {shard:?}");
        union.extend(shard);
    }
    union.sort();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(union, sorted, "every input in exactly one shard");
    let by_env = Command::new(env!("CARGO_BIN_EXE_snaptriage"))
        .args(["batch", samples_dir.to_str().unwrap(), "--shard-count", "3"])
        .env("JOB_COMPLETION_INDEX", "1")
        .output()
        .unwrap();
    let by_flag =
        snaptriage(&["batch", samples_dir.to_str().unwrap(), "--shard-count", "3", "--shard-index", "1"]);
    assert_eq!(ids(&lines(&by_env)), ids(&lines(&by_flag)));
    let bad =
        snaptriage(&["batch", samples_dir.to_str().unwrap(), "--shard-count", "3", "--shard-index", "3"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// Name → (content, modification time) of every file in a directory.
fn files(dir: &Path) -> BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let modified = e.metadata().unwrap().modified().unwrap();
            (e.file_name().to_string_lossy().into_owned(), (std::fs::read(e.path()).unwrap(), modified))
        })
        .collect()
}

/// A line without the analysis time of an error line (no report keeps it from one run to the next).
fn steady(mut line: Value) -> Value {
    if line["status"] == "error" {
        line["elapsed_ms"] = 0.into();
    }
    line
}

#[test]
fn a_rerun_with_skip_existing_leaves_every_report_untouched_and_prints_the_same_lines() {
    let (dir, _) = uploads("rerun");
    let reports = dir.join("reports");
    let (linux, nested, corrupt) = (samples().join("linux"), dir.join("nested"), dir.join("corrupt.zip"));
    let args = ["batch", linux.to_str().unwrap(), nested.to_str().unwrap(), corrupt.to_str().unwrap()];
    let mut first_args = args.to_vec();
    first_args.extend(["--out-dir", reports.to_str().unwrap()]);
    let first = snaptriage(&first_args);
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    let stored = files(&reports);
    // 19 Linux samples, the nested zip and the bundle folder; the corrupt zip has no report.
    assert_eq!(stored.len(), 21, "{:?}", stored.keys());
    for line in lines(&first).iter().filter(|l| l["sha256"].is_string()) {
        let name = format!("{}.json", line["sha256"].as_str().unwrap());
        assert_eq!(stored.contains_key(&name), line["status"] == "ok", "{line}");
    }
    let summary = dir.join("summary.json");
    let mut second_args = first_args.clone();
    second_args.extend(["--skip-existing", "--summary", summary.to_str().unwrap()]);
    let second = snaptriage(&second_args);
    assert_eq!(second.status.code(), Some(0), "{}", String::from_utf8_lossy(&second.stderr));
    assert_eq!(files(&reports), stored, "the reports are byte-identical and not rewritten");
    let (a, b): (Vec<Value>, Vec<Value>) =
        (lines(&first).into_iter().map(steady).collect(), lines(&second).into_iter().map(steady).collect());
    assert_eq!(a, b);
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(summary).unwrap()).unwrap();
    assert_eq!(
        (summary["reused"].as_u64(), summary["analysed"].as_u64(), summary["failed"].as_u64()),
        (Some(21), Some(0), Some(1))
    );
}

#[test]
fn the_same_bundle_twice_is_analysed_once() {
    let linux = samples().join("linux");
    let one = linux.join("linux-agent-outdated.zip");
    let again = linux.join(".").join("linux-agent-outdated.zip");
    let out = snaptriage(&["batch", one.to_str().unwrap(), again.to_str().unwrap(), linux.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let lines = lines(&out);
    assert_eq!(lines.len(), 19, "{:?}", ids(&lines));
    assert_eq!(lines[0]["id"], one.to_str().unwrap());
    let err = String::from_utf8_lossy(&out.stderr);
    let dropped = err.lines().find(|l| l.contains("duplicates dropped")).unwrap_or_else(|| panic!("{err}"));
    assert!(dropped.contains(" 2 "), "the repeat given and the one found in the folder: {dropped}");
}

#[test]
fn a_manifest_and_json_lines_on_stdin_with_ids() {
    let dir = scratch("manifest");
    write(&dir.join("uploads/good.zip"), &good_zip());
    write(&dir.join("list.txt"), b"# today's uploads\n\nuploads/good.zip\n");
    let sample = samples().join("windows/windows-healthy.zip");
    let stdin =
        format!("{{\"bundle\": {:?}, \"id\": \"case-7\"}}\n{{\"path\": \"x\"}}\n", sample.to_str().unwrap());
    let summary = dir.join("summary.json");
    let out = snaptriage_with_stdin(
        &[
            "batch",
            "--manifest",
            dir.join("list.txt").to_str().unwrap(),
            "--stdin-jsonl",
            "--summary",
            summary.to_str().unwrap(),
        ],
        &stdin,
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = lines(&out);
    let good = dir.join("uploads/good.zip").to_str().unwrap().to_string();
    assert_eq!(ids(&lines), vec![good.clone(), "case-7".into(), "stdin line 2".into()]);
    assert_eq!(lines[0]["status"], "ok");
    assert_eq!(lines[1]["path"], sample.to_str().unwrap());
    assert_eq!(lines[1]["os"], "windows");
    assert_eq!(lines[2]["status"], "error");
    assert!(lines[2]["path"].is_null());
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(summary).unwrap()).unwrap();
    assert_eq!(
        (summary["lines"].as_u64(), summary["analysed"].as_u64(), summary["failed"].as_u64()),
        (Some(3), Some(2), Some(1))
    );
}

#[test]
fn the_summary_counts_findings_and_breaks_them_down() {
    let (dir, _) = uploads("summary");
    let summary = dir.join("summary.json");
    let out = snaptriage(&["batch", dir.to_str().unwrap(), "--summary", summary.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(summary).unwrap()).unwrap();
    assert_eq!(summary["analysed"], 2);
    assert_eq!(summary["failed"], 1);
    assert_eq!(summary["skipped"], 1);
    assert_eq!(summary["duplicates"], 0);
    assert_eq!(summary["findings"]["wireserver-unreachable"], 1);
    assert_eq!(summary["findings_by_os"]["linux"]["wireserver-unreachable"], 1);
    assert_eq!(summary["slowest"].as_array().unwrap().len(), 3);
    assert!(String::from_utf8_lossy(&out.stderr).contains("wireserver-unreachable"));
}

#[test]
fn a_batch_that_cannot_run_exits_2() {
    let dir = scratch("cannot");
    write(&dir.join("notes.txt"), b"nothing\n");
    assert_eq!(
        snaptriage(&["batch", dir.to_str().unwrap()]).status.code(),
        Some(2),
        "no bundle in the inputs"
    );
    let missing = dir.join("missing.txt");
    assert_eq!(snaptriage(&["batch", "--manifest", missing.to_str().unwrap()]).status.code(), Some(2));
    let sample = samples().join("linux/linux-agent-outdated.zip");
    let blocked = dir.join("notes.txt").join("reports");
    let out = snaptriage(&["batch", sample.to_str().unwrap(), "--out-dir", blocked.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn listed_inputs_fed_back_on_stdin_give_the_batchs_own_lines() {
    let (dir, bundles) = uploads("list");
    let listed = snaptriage(&["batch", "--list", dir.to_str().unwrap()]);
    assert_eq!(listed.status.code(), Some(0), "{}", String::from_utf8_lossy(&listed.stderr));
    let entries = lines(&listed);
    assert_eq!(ids(&entries), bundles, "the ids are the ones the batch itself would print");
    assert!(entries.iter().all(|e| e["bundle"].is_string() && e.as_object().unwrap().len() == 2));
    let err = String::from_utf8_lossy(&listed.stderr);
    assert!(err.contains("listed 3 inputs; 1 files skipped"), "{err}");

    let jsonl = String::from_utf8(listed.stdout).unwrap();
    let fed = snaptriage_with_stdin(&["batch", "--stdin-jsonl", "-j", "1"], &jsonl);
    let direct = snaptriage(&["batch", dir.to_str().unwrap(), "-j", "2"]);
    assert_eq!(fed.status.code(), Some(0));
    let timeless = |out: &Output| -> Vec<Value> {
        let mut all = lines(out);
        for line in &mut all {
            line["elapsed_ms"] = 0.into();
        }
        all
    };
    assert_eq!(timeless(&fed), timeless(&direct));

    let mut sharded: Vec<String> = (0..2)
        .flat_map(|i| {
            let index = i.to_string();
            let args =
                ["batch", "--list", "--shard-count", "2", "--shard-index", &index, dir.to_str().unwrap()];
            ids(&lines(&snaptriage(&args)))
        })
        .collect();
    sharded.sort();
    let mut all = bundles.clone();
    all.sort();
    assert_eq!(sharded, all, "the listed shards together are every input once");
}

/// The shell command of the Kubernetes example's container, its folded lines joined.
fn indexed_job_command() -> String {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kubernetes/indexed-job.yaml"),
    )
    .expect("the example manifest");
    let folded: Vec<&str> = manifest
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("- >-"))
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with("resources:"))
        .map(str::trim)
        .collect();
    assert!(!folded.is_empty(), "no folded command in the manifest");
    folded.join(" ")
}

#[test]
fn the_kubernetes_indexed_job_example_analyses_every_bundle_once_across_its_pods() {
    let command = indexed_job_command();
    let pods: u64 =
        command.split("--shard-count ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let dir = scratch("k8s");
    let (bundles, reports) = (dir.join("bundles"), dir.join("reports"));
    for (i, sample) in sample_bundles().iter().take(12).enumerate() {
        std::fs::create_dir_all(bundles.join(format!("day-{}", i % 3))).unwrap();
        std::fs::copy(
            sample,
            bundles.join(format!("day-{}", i % 3)).join(Path::new(sample).file_name().unwrap()),
        )
        .unwrap();
    }
    let local = command
        .replace(" /bundles", &format!(" {}", bundles.display()))
        .replace(" /reports/", &format!(" {}/", reports.display()));
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_snaptriage")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut ids = Vec::new();
    for index in 0..pods {
        let out = Command::new("sh")
            .args(["-c", &local])
            .env("PATH", &path)
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .output()
            .expect("sh runs");
        assert_eq!(out.status.code(), Some(0), "pod {index}: {}", String::from_utf8_lossy(&out.stderr));
        let text = std::fs::read_to_string(reports.join(format!("lines-{index}.jsonl"))).unwrap();
        for line in text.lines() {
            let line: Value = serde_json::from_str(line).unwrap();
            assert_eq!(line["status"], "ok", "{line}");
            ids.push(line["id"].as_str().unwrap().to_string());
        }
        assert!(reports.join(format!("summary-{index}.json")).is_file());
    }
    let listed = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((listed, ids.len()), (12, 12), "every bundle in exactly one pod's lines");
    assert_eq!(
        std::fs::read_dir(reports.join("reports")).unwrap().count(),
        12,
        "one stored report per bundle"
    );
}
