//! A log read as a pipeline (one thread reading, the pool tagging batches, merged in order) gives exactly the
//! report of the same log read on one thread.

use std::path::{Path, PathBuf};

use snaptriage::report::render_json;
use snaptriage::{analyze_path, Options};

/// The JSON report with the run's wall time zeroed.
fn report_json(path: &Path, pipeline_bytes: u64) -> String {
    let opts = Options { pipeline_bytes: Some(pipeline_bytes), ..Options::default() };
    let mut report = analyze_path(path, &opts).unwrap().report;
    report.stats.elapsed_ms = 0;
    render_json(&report)
}

fn samples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut out = Vec::new();
    for os in ["linux", "windows"] {
        for entry in std::fs::read_dir(root.join(os)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e != "md") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_sample_reads_the_same_through_the_pipeline() {
    let samples = samples();
    assert!(samples.len() > 20, "{samples:?}");
    for sample in samples {
        assert_eq!(report_json(&sample, 0), report_json(&sample, u64::MAX), "{}", sample.display());
    }
}

#[test]
fn a_multi_megabyte_log_set_reads_the_same_through_the_pipeline() {
    let dir = std::env::temp_dir().join(format!("snaptriage-pipeline-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // Several batches per member, plain and gzipped, with the planted outage and failed enable.
    snaptriage_fixtures::write_large_waagent_set(&dir, 4 << 20, 7).unwrap();
    let piped = report_json(&dir, 0);
    let inline = report_json(&dir, u64::MAX);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(piped, inline);
    assert!(piped.contains("\"wireserver-unreachable\""), "the planted outage is found");
}
