//! Logs written by the real Linux guest agent's code at several release tags, run under injected faults
//! (see tests/data/agent-runs/README.md): each, wrapped as a one-file bundle at the path it has on a VM,
//! yields exactly the findings its fault explains at severity warning or above, and a healthy run none.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use snaptriage::report::Severity;
use snaptriage::{analyze_bytes, Options};

mod common;

#[derive(Debug, Deserialize)]
struct Manifest {
    run: Vec<Run>,
}

#[derive(Debug, Deserialize)]
struct Run {
    version: String,
    scenario: String,
    file: String,
    #[serde(default)]
    expected: Vec<String>,
    #[serde(default)]
    fault: String,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/agent-runs")
}

fn manifest() -> Manifest {
    let path = data_dir().join("MANIFEST.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Finding ids at warning or above, with their summaries for failure messages.
fn alarms(run: &Run) -> (BTreeSet<String>, Vec<String>) {
    let log = std::fs::read(data_dir().join(&run.file)).unwrap_or_else(|e| panic!("{}: {e}", run.file));
    let bundle = common::zip_bundle(&[("var/log/waagent.log", &log)]);
    let report = analyze_bytes("bundle.zip", bundle, &Options::default()).expect("analyse").report;
    let mut ids = BTreeSet::new();
    let mut detail = Vec::new();
    for f in &report.findings {
        detail.push(format!("{} [{}]: {}", f.id, f.severity.as_str(), f.summary));
        if f.severity <= Severity::Warning {
            ids.insert(f.id.clone());
        }
    }
    (ids, detail)
}

#[test]
fn every_real_agent_run_yields_exactly_the_findings_its_fault_explains() {
    let manifest = manifest();
    assert!(manifest.run.len() >= 10, "only {} runs in the manifest", manifest.run.len());
    let mut failures = Vec::new();
    let mut right = 0;
    for run in &manifest.run {
        let (got, detail) = alarms(run);
        let want: BTreeSet<String> = run.expected.iter().cloned().collect();
        if got == want {
            right += 1;
        } else {
            failures.push(format!(
                "{} {} ({}): expected {want:?}, got {got:?}\n    {}",
                run.version,
                run.scenario,
                run.fault,
                detail.join("\n    ")
            ));
        }
    }
    println!("real agent runs: {right} of {} right", manifest.run.len());
    assert!(failures.is_empty(), "{} run(s) wrong:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_manifest_covers_every_version_and_names_existing_logs() {
    let manifest = manifest();
    let versions: BTreeSet<&str> = manifest.run.iter().map(|r| r.version.as_str()).collect();
    assert!(versions.len() >= 3, "versions: {versions:?}");
    for run in &manifest.run {
        assert!(data_dir().join(&run.file).is_file(), "{} is missing", run.file);
    }
    // Every version has a healthy run, and it is silent.
    for v in &versions {
        assert!(
            manifest.run.iter().any(|r| r.version == *v && r.scenario == "healthy"),
            "{v} has no healthy run"
        );
    }
}
