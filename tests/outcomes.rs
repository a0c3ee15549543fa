//! Honest outcomes on bad input: a bundle with nothing analysable exits 2 with one line on stderr that names
//! the file, says what it is and what to try; a partially readable bundle is analysed and its coverage says
//! what was lost; "no problem found" always comes with what was examined.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn snaptriage(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_snaptriage")).args(args).output().expect("runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("snaptriage-outcomes-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

fn sample(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(rel)
}

/// Exit 2, nothing on stdout, exactly one line on stderr: `snaptriage: ` + a message naming `input` and
/// containing every phrase.
fn assert_unanalysable(run: &Run, input: &str, phrases: &[&str]) {
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    assert!(run.stderr.ends_with('\n') && run.stderr.lines().count() == 1, "not one line: {:?}", run.stderr);
    let line = run.stderr.trim_end();
    assert!(line.starts_with("snaptriage: "), "{line}");
    assert!(line.contains(input), "does not name {input}: {line}");
    for p in phrases {
        assert!(line.contains(p), "missing {p:?}: {line}");
    }
    assert!(!line.contains("No backup-relevant problem"), "{line}");
}

/// Deterministic bytes that look random (xorshift), so no magic number appears by chance.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

const COLLECT: &str = "collect the VM's logs (waagent / WindowsAzure logs) and pass that zip";

#[test]
fn an_empty_file_says_it_is_empty() {
    let dir = scratch("empty");
    let f = write(&dir, "logs.zip", b"");
    assert_unanalysable(&snaptriage(&[&f]), &f, &["is an empty file (0 bytes)", COLLECT]);
}

#[test]
fn an_empty_zip_says_it_holds_no_files() {
    let dir = scratch("empty-zip");
    let f = write(&dir, "logs.zip", &common::zip_bundle(&[]));
    assert_unanalysable(
        &snaptriage(&["analyze", &f]),
        &f,
        &["is an empty zip archive (no files in it)", COLLECT],
    );
}

#[test]
fn images_and_documents_renamed_zip_are_named_by_their_content() {
    let dir = scratch("renamed");
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(noise(300));
    let f = write(&dir, "logs.zip", &png);
    assert_unanalysable(
        &snaptriage(&[&f]),
        &f,
        &["no Azure agent logs found in", "it is a PNG image (named .zip), not a support bundle", COLLECT],
    );
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n".to_vec();
    pdf.extend(noise(300));
    let f = write(&dir, "bundle.zip", &pdf);
    assert_unanalysable(&snaptriage(&[&f]), &f, &["it is a PDF document (named .zip), not a support bundle"]);
    let f = write(&dir, "report.pdf", &pdf);
    let run = snaptriage(&[&f]);
    assert_unanalysable(&run, &f, &["it is a PDF document, not a support bundle"]);
    assert!(!run.stderr.contains("(named"), "{}", run.stderr);
}

#[test]
fn a_text_letter_is_quoted() {
    let dir = scratch("letter");
    let letter =
        "Dear support,\n\nour backups fail every night since Monday. Please help.\n\nRegards,\nBob\n";
    let f = write(&dir, "case-1234.txt", letter.as_bytes());
    assert_unanalysable(
        &snaptriage(&[&f]),
        &f,
        &["it is plain text, not an Azure agent log (it begins \"Dear support,\")", COLLECT],
    );
}

#[test]
fn random_bytes_are_binary_data_of_no_known_format() {
    let dir = scratch("random");
    let f = write(&dir, "logs.zip", &noise(256 * 1024));
    assert_unanalysable(
        &snaptriage(&[&f]),
        &f,
        &["it is binary data of no known format, not a support bundle"],
    );
}

#[test]
fn empty_folders_and_folders_without_logs_have_their_own_wording() {
    let dir = scratch("folders");
    let empty = dir.join("extracted");
    std::fs::create_dir_all(&empty).unwrap();
    let e = empty.to_str().unwrap();
    assert_unanalysable(&snaptriage(&[e]), e, &["is an empty folder", "var/log/waagent.log"]);
    let other = dir.join("downloads");
    std::fs::create_dir_all(&other).unwrap();
    write(&other, "notes.txt", b"call the customer back\n");
    write(&other, "screenshot.png", b"\x89PNG\r\n\x1a\n\0\0");
    let o = other.to_str().unwrap();
    assert_unanalysable(
        &snaptriage(&[o]),
        o,
        &[
            "no Azure agent logs found in",
            "its 2 files (notes.txt, screenshot.png) are not logs snaptriage reads",
        ],
    );
}

#[test]
fn a_path_that_does_not_exist_is_said_once() {
    let run = snaptriage(&["analyze", "/nonexistent/dir/bundle.zip"]);
    assert_unanalysable(&run, "/nonexistent/dir/bundle.zip", &["No such file or directory"]);
    assert_eq!(run.stderr.matches("No such file").count(), 1, "{}", run.stderr);
}

/// A truncated archive is either recovered in part (analysed; coverage names what was cut off) or, when
/// nothing in it can be read, exits 2 saying it is cut off. Never a silent all-clear.
fn assert_cut_off_is_reported(file: &str, original: &str) {
    let dir = scratch(&format!("cut-{file}"));
    let bytes = std::fs::read(sample(original)).unwrap();
    let f = write(&dir, file, &bytes[..5000]);
    let run = snaptriage(&[&f, "-f", "json"]);
    if run.code == Some(2) {
        assert_unanalysable(&run, &f, &["cut off"]);
        return;
    }
    assert!(matches!(run.code, Some(0 | 1)), "{:?}: {}", run.code, run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let cov = &report["coverage"];
    assert!(cov["analysed"].as_u64().unwrap() > 0);
    let lost = cov["lost"].as_array().unwrap();
    assert!(!lost.is_empty(), "a cut-off bundle lost nothing? {cov}");
    assert!(lost.iter().all(|l| ["partial", "failed", "skipped"].contains(&l["status"].as_str().unwrap())));
    let summary = cov["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("read ") && (summary.contains("partial") || summary.contains("failed")),
        "{summary}"
    );
    let table = snaptriage(&[&f, "-f", "table"]).stdout;
    assert!(table.contains("Coverage: read "), "{table}");
    // And stderr says, in one line, that the bundle itself is cut off and should be fetched again.
    let warning: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(warning.len(), 1, "{}", run.stderr);
    assert!(
        warning[0].starts_with(&format!("snaptriage: warning: {file} is cut off"))
            && warning[0].ends_with("download it again"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_truncated_tar_gz_is_never_a_silent_all_clear() {
    assert_cut_off_is_reported("logs.tar.gz", "linux/linux-fsfreeze-failed.tar.gz");
}

#[test]
fn a_truncated_zip_is_never_a_silent_all_clear() {
    assert_cut_off_is_reported("logs.zip", "linux/linux-agent-outdated.zip");
}

/// A bundle with a good agent log and a rotated log that cannot be read: analysed, and every format says
/// which member was lost and why.
#[test]
fn a_partially_readable_bundle_is_analysed_and_says_what_was_lost() {
    let dir = scratch("partial");
    let mut broken = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03".to_vec();
    broken.extend(noise(400));
    let bundle = common::zip_bundle(&[
        ("var/log/waagent.log", common::wireserver_outage_log().as_bytes()),
        ("var/log/waagent.log.1.gz", &broken),
    ]);
    let f = write(&dir, "logs.zip", &bundle);
    let run = snaptriage(&[&f, "-f", "json"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let r: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let cov = &r["coverage"];
    assert_eq!(cov["members"]["total"], 2);
    assert_eq!(cov["members"]["parsed"], 1);
    assert_eq!(cov["analysed"], 1);
    let lost = cov["lost"].as_array().unwrap();
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0]["path"], "var/log/waagent.log.1.gz");
    assert!(["failed", "partial"].contains(&lost[0]["status"].as_str().unwrap()));
    let summary = cov["summary"].as_str().unwrap();
    assert!(summary.starts_with("read 1 of 2 members (1 "), "{summary}");
    assert!(summary.contains("var/log/waagent.log.1.gz — "), "{summary}");
    assert!(
        summary.contains("Linux agent log: 2 files (1 unreadable), 2024-03-15 08:00 → 2024-03-15 20:35"),
        "{summary}"
    );
    for (format, marker) in [
        ("table", "Coverage: read 1 of 2"),
        ("markdown", "- Coverage: read 1 of 2"),
        ("html", "<p>Coverage: read 1 of 2"),
    ] {
        let out = snaptriage(&[&f, "-f", format]).stdout;
        assert!(out.contains(marker) && out.contains("var/log/waagent.log.1.gz"), "{format}: {out}");
    }
}

#[test]
fn no_problem_found_comes_with_what_was_examined() {
    let dir = scratch("healthy");
    let f = write(
        &dir,
        "logs.zip",
        &common::zip_bundle(&[("var/log/waagent.log", common::healthy_waagent_log().as_bytes())]),
    );
    let table = snaptriage(&[&f, "-f", "table"]);
    assert_eq!(table.code, Some(0));
    assert!(table.stdout.contains("No backup-relevant problem found in what was read"), "{}", table.stdout);
    // The table wraps long lines to the terminal's width.
    let flat = table.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Coverage: read 1 of 1 members; Linux agent log: 1 file, 2024-03-15 08:00 → 2024-03-15 19:30; backup extension logs: none present"),
        "{}",
        table.stdout
    );
    for format in ["markdown", "html"] {
        let out = snaptriage(&[&f, "-f", format]).stdout;
        assert!(
            out.contains("No backup-relevant problem found in what was read")
                && out.contains("Coverage: read 1 of 1"),
            "{out}"
        );
    }
}

#[test]
fn batch_lines_carry_the_same_outcome() {
    let dir = scratch("batch");
    let pdf = write(&dir, "a-report.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
    let good = write(
        &dir,
        "b-good.zip",
        &common::zip_bundle(&[("var/log/waagent.log", common::healthy_waagent_log().as_bytes())]),
    );
    // A file named on the command line is analysed whatever its name (one found in a folder would be
    // skipped as no bundle).
    let run = snaptriage(&["batch", &pdf, &good, "-j", "1"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines: Vec<serde_json::Value> =
        run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["status"], "error");
    let alone = snaptriage(&[&pdf]);
    assert_eq!(
        format!("snaptriage: {}", lines[0]["error"].as_str().unwrap()),
        alone.stderr.trim_end(),
        "batch and analyze word it alike"
    );
    assert_eq!(lines[1]["status"], "ok");
    assert!(lines[1]["error"].is_null());
    assert_eq!(lines[1]["findings"], serde_json::json!([]));
    assert_eq!(lines[1]["os"], "linux");
}

#[test]
fn samples_keep_their_exit_codes_and_say_nothing_on_stderr() {
    for os in ["linux", "windows"] {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(sample(os)).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            let run = snaptriage(&[f.to_str().unwrap(), "-f", "json"]);
            let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
                panic!("{}: {e}: {}", f.display(), run.stderr);
            });
            let errors = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| matches!(x["severity"].as_str(), Some("critical" | "error")));
            assert_eq!(run.code, Some(i32::from(errors)), "{}: {}", f.display(), run.stderr);
            assert!(run.stderr.is_empty(), "{}: {}", f.display(), run.stderr);
            assert!(report["coverage"]["lost"].as_array().unwrap().is_empty(), "{}", f.display());
        }
    }
}
