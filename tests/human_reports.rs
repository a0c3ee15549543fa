//! The reports people read — the terminal table and the Markdown — of the sample bundles: golden files of
//! two of them (`tests/snapshots/human/`), and for every sample: lines within the width, no escape code
//! without colour, plain plurals and times, Markdown tables whose rows all have the table's columns.
//! After an intended change, regenerate and review with
//! `INSTA_UPDATE=always cargo test --test human_reports`.

use std::path::Path;
use std::process::{Command, Output};

use snaptriage::report::{render_markdown, render_table, render_table_styled, Report, TableStyle};
use snaptriage::{analyze_path, Options};

const GOLDEN: &[&str] =
    &["samples/linux/linux-fsfreeze-failed.tar.gz", "samples/windows/windows-vmsnapshot-crash.zip"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every sample bundle, relative to the crate root (`samples/linux/…`), sorted.
fn samples() -> Vec<String> {
    let mut out = Vec::new();
    for os in ["linux", "windows"] {
        let dir = root().join("samples").join(os);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("sample entry").file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.') && !n.ends_with(".md"))
            .collect();
        names.sort();
        out.extend(names.into_iter().map(|n| format!("samples/{os}/{n}")));
    }
    assert!(out.len() >= 2, "no sample bundles found");
    out
}

/// The report of a sample, with the bundle named by its path under the crate root, so that golden files
/// do not depend on where the repository lives.
fn report(rel: &str) -> Report {
    let analysis =
        analyze_path(&root().join(rel), &Options::default()).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let mut report = analysis.report;
    report.bundle.path = rel.to_string();
    report
}

/// The one counter that changes from run to run.
fn without_elapsed(text: &str) -> String {
    let Some(at) = text.find("analysed in ") else { return text.to_string() };
    let rest = &text[at + "analysed in ".len()..];
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    format!("{}analysed in [ms]{}", &text[..at], &rest[digits..])
}

fn snapshot_name(rel: &str, format: &str) -> String {
    let file = rel.rsplit('/').next().unwrap_or(rel);
    format!("{file}.{format}")
}

#[test]
fn markdown_of_two_samples_matches_the_golden_files() {
    for rel in GOLDEN {
        let md = render_markdown(&report(rel));
        insta::with_settings!({ snapshot_path => "snapshots/human", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(snapshot_name(rel, "md"), md);
        });
    }
}

#[test]
fn table_of_two_samples_at_80_columns_matches_the_golden_files() {
    for rel in GOLDEN {
        let table = without_elapsed(&render_table(&report(rel), 80));
        insta::with_settings!({ snapshot_path => "snapshots/human", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(snapshot_name(rel, "table"), table);
        });
    }
}

#[test]
fn every_table_line_fits_the_width() {
    for rel in samples() {
        let report = report(&rel);
        for width in [80u16, 120] {
            for brief in [false, true] {
                let text = render_table_styled(&report, &TableStyle { width, color: false, brief });
                for line in text.lines() {
                    assert!(
                        line.chars().count() <= usize::from(width),
                        "{rel} at {width} columns: {} chars: {line}",
                        line.chars().count()
                    );
                }
            }
        }
    }
}

#[test]
fn escape_codes_only_with_colour() {
    for rel in samples() {
        let report = report(&rel);
        assert!(!render_table(&report, 100).contains('\x1b'), "{rel}: escape code without colour");
        assert!(!render_markdown(&report).contains('\x1b'), "{rel}: escape code in Markdown");
        let coloured = render_table_styled(&report, &TableStyle { width: 100, color: true, brief: false });
        assert!(coloured.contains("\x1b["), "{rel}: no colour with colour on");
    }
}

#[test]
fn human_reports_say_plurals_and_times_plainly() {
    for rel in samples() {
        let report = report(&rel);
        for (format, text) in [("table", render_table(&report, 120)), ("markdown", render_markdown(&report))]
        {
            assert!(!text.contains("(s)"), "{rel} {format}: a `(s)` plural:\n{text}");
            assert!(!text.contains(".000000"), "{rel} {format}: a time with empty microseconds:\n{text}");
        }
    }
}

/// The cells of a Markdown table row: split at `|` not escaped by a backslash.
fn columns(row: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => n += 1,
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    n
}

#[test]
fn markdown_table_rows_have_their_tables_columns() {
    for rel in samples() {
        let md = render_markdown(&report(&rel));
        let mut tables = 0;
        let mut expected: Option<usize> = None;
        for line in md.lines() {
            if !line.starts_with('|') {
                expected = None;
                continue;
            }
            assert!(line.ends_with('|'), "{rel}: row does not end its last cell: {line}");
            let n = columns(line);
            match expected {
                None => {
                    tables += 1;
                    expected = Some(n);
                }
                Some(e) => assert_eq!(n, e, "{rel}: row with another column count: {line}"),
            }
        }
        assert!(tables >= 1, "{rel}: no table in the Markdown");
    }
}

#[test]
fn a_one_finding_markdown_report_is_short_before_the_inventory() {
    let md = render_markdown(&report("samples/linux/linux-fsfreeze-failed.tar.gz"));
    let before = md.split("<details>").next().unwrap_or("");
    assert!(md.contains("<details><summary>Inventory ("), "{md}");
    assert!(before.lines().count() <= 60, "{} lines before the inventory:\n{before}", before.lines().count());
}

fn snaptriage(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_snaptriage"));
    cmd.current_dir(root()).args(args).env_remove("NO_COLOR").env("COLUMNS", "100");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("runs")
}

const SAMPLE: &str = "samples/linux/linux-fsfreeze-failed.tar.gz";

#[test]
fn the_binary_colours_only_when_asked_or_on_a_terminal() {
    let piped = snaptriage(&[SAMPLE, "-f", "table"], &[]);
    assert!(!piped.stdout.is_empty() && !piped.stdout.contains(&0x1b), "colour in piped output");
    let always = snaptriage(&[SAMPLE, "-f", "table", "--color", "always"], &[("NO_COLOR", "1")]);
    assert!(always.stdout.windows(2).any(|w| w == b"\x1b["), "--color always gave no colour");
    let never = snaptriage(&[SAMPLE, "-f", "table", "--color", "never"], &[]);
    assert!(!never.stdout.contains(&0x1b));
}

/// `auto` on a real terminal, through `script`'s pseudo-terminal where the system has it: coloured, and
/// not with `NO_COLOR=1`.
#[test]
fn no_color_turns_auto_off_on_a_terminal() {
    let has_script = Command::new("script").arg("--version").output().is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("`script` is not installed: the terminal case is covered by the CLI's unit test only");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_snaptriage");
    let run = |no_color: Option<&str>| -> Vec<u8> {
        let mut cmd = Command::new("script");
        cmd.current_dir(root())
            .args(["-qec", &format!("{bin} {SAMPLE} -f table --color auto"), "/dev/null"])
            .env("COLUMNS", "100")
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        cmd.output().expect("script runs").stdout
    };
    let on_terminal = run(None);
    assert!(on_terminal.windows(2).any(|w| w == b"\x1b["), "no colour on a terminal");
    let without = run(Some("1"));
    assert!(!without.is_empty() && !without.contains(&0x1b), "colour despite NO_COLOR=1");
}

#[test]
fn quiet_prints_nothing_on_stderr_and_a_short_table() {
    // A forced progress bar writes to standard error even when it is not a terminal…
    let loud = snaptriage(&[SAMPLE, "-f", "table", "--progress", "always"], &[]);
    assert!(!loud.stderr.is_empty(), "the forced progress bar wrote nothing");
    // …but not under --quiet.
    let quiet = snaptriage(&[SAMPLE, "-f", "table", "--progress", "always", "--quiet"], &[]);
    assert!(quiet.stderr.is_empty(), "{}", String::from_utf8_lossy(&quiet.stderr));
    let table = String::from_utf8(quiet.stdout).expect("UTF-8");
    assert!(table.contains("fsfreeze-failed") && table.contains("Backup runs"), "{table}");
    assert!(!table.contains("what to do:") && !table.contains("Inventory:"), "{table}");
    assert_eq!(quiet.status.code(), loud.status.code());
}

#[test]
fn the_table_takes_columns_from_the_environment_when_not_on_a_terminal() {
    let out = snaptriage(&[SAMPLE, "-f", "table"], &[("COLUMNS", "80")]);
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    assert!(text.lines().any(|l| l.chars().count() > 70), "the table did not use the width:\n{text}");
}
