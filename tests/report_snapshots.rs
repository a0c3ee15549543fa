//! Golden JSON reports: the full report of every sample bundle under `samples/` is compared with its checked-in
//! snapshot in `tests/snapshots/`, so any change in what the engine reports shows up as a failing test and a diff.
//!
//! The samples are listed at test time, so a new bundle is covered without editing this file (and fails until its
//! snapshot is reviewed and checked in). After an intended change, regenerate and review with
//! `INSTA_UPDATE=always cargo test --test report_snapshots` (or `cargo insta test --review`).

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use snaptriage::{analyze_path, Options};

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn snapshots_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("snapshots")
}

/// Every sample bundle, as (os folder, file name), sorted: each file in a folder of `samples/` but notes
/// (`*.md`) and hidden files.
fn sample_bundles() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(samples_dir())
        .expect("samples/ is readable")
        .map(|e| e.expect("samples/ entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let os = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("sample entry").path())
            .filter(|p| p.is_file())
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with('.') && !name.ends_with(".md"))
            .collect();
        files.sort();
        out.extend(files.into_iter().map(|f| (os.clone(), f)));
    }
    out
}

fn report_json(path: &Path) -> serde_json::Value {
    let analysis =
        analyze_path(path, &Options::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&snaptriage::report::render_json(&analysis.report))
        .expect("the report is valid JSON")
}

#[test]
fn every_sample_report_matches_its_snapshot() {
    let bundles = sample_bundles();
    assert!(bundles.len() >= 2, "no sample bundles found under {}", samples_dir().display());
    let mut failures = Vec::new();
    for (os, file) in &bundles {
        let path = samples_dir().join(os).join(file);
        let report = report_json(&path);
        let shown = path.display().to_string();
        assert_eq!(report["bundle"]["path"], shown.as_str(), "{file}: bundle.path is not the path given");
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_input_file(&path);
        // Wall-clock milliseconds the analysis took: the one field that differs from run to run.
        settings.add_redaction(".stats.elapsed_ms", "[elapsed_ms]");
        // The bundle path is echoed as given, here an absolute path that depends on where the checkout lives;
        // keep only the part inside the repository.
        settings.add_redaction(".bundle.path", format!("samples/{os}/{file}"));
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_json_snapshot!(file.as_str(), report));
        }));
        if outcome.is_err() {
            failures.push(format!("samples/{os}/{file}"));
        }
    }
    assert!(failures.is_empty(), "reports differ from their snapshots: {failures:?}");
}

/// A snapshot whose sample is gone (or was renamed) would otherwise linger unchecked.
#[test]
fn every_snapshot_has_its_sample() {
    let samples: Vec<String> = sample_bundles().into_iter().map(|(_, file)| file).collect();
    let mut unique = samples.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), samples.len(), "two sample folders hold a bundle of the same name");
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(snapshots_dir()).expect("tests/snapshots/ is readable") {
        let name = entry.expect("snapshot entry").file_name().to_string_lossy().into_owned();
        if let Some(sample) = name.strip_suffix(".snap") {
            if !samples.iter().any(|s| s == sample) {
                orphans.push(name);
            }
        }
    }
    orphans.sort();
    assert!(orphans.is_empty(), "snapshots without a sample under samples/ (delete them): {orphans:?}");
}
