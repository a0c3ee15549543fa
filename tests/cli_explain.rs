//! `snaptriage explain` over the whole catalog, its suggestions and listing, and the generated completions
//! and manual pages.

use std::process::{Command, Output};

use snaptriage::catalog::Catalog;

fn snaptriage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_snaptriage")).args(args).output().expect("runs")
}

/// Standard output of a run that must succeed.
fn stdout_of(args: &[&str]) -> String {
    let out = snaptriage(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn every_catalog_code_alias_and_finding_explains() {
    let cat = Catalog::get();
    for code in &cat.codes {
        let text = stdout_of(&["explain", &code.code]);
        assert!(text.starts_with(&code.code), "{}: {text}", code.code);
        assert!(text.contains(&code.message), "{}", code.code);
        for alias in &code.aliases {
            assert!(stdout_of(&["explain", alias]).contains(&code.code), "{alias}");
        }
    }
    for finding in &cat.findings {
        let text = stdout_of(&["explain", &finding.id]);
        assert!(text.starts_with(&finding.id) && text.contains(&finding.title), "{}", finding.id);
    }
}

#[test]
fn every_extension_code_explains_by_number_and_name() {
    let cat = Catalog::get();
    for status in &cat.extension.status {
        let by_number = stdout_of(&["explain", &status.value.to_string()]);
        assert!(by_number.contains(&format!("{} {}", status.value, status.name)), "{}", status.value);
        let by_name = stdout_of(&["explain", &status.name]);
        assert!(by_name.starts_with(&format!("{} {}", status.value, status.name)), "{by_name}");
        assert!(by_name.contains(&status.meaning), "{}", status.name);
    }
    for number in cat.extension.exit_code.iter().chain(&cat.extension.host_status) {
        let text = stdout_of(&["explain", &number.value.to_string()]);
        assert!(text.contains(&number.meaning) && text.contains(&number.finding), "{}", number.value);
    }
}

#[test]
fn control_plane_codes_send_the_reader_outside_the_vm() {
    for code in [
        "UserErrorInstantRpNotFound",
        "UserErrorMarketPlaceVMNotSupported",
        "UserErrorSkuNotAvailable",
        "UserErrorMigrationFromTrustedLaunchVMToNonTrustedVMNotAllowed",
    ] {
        let text = stdout_of(&["explain", code]);
        assert!(text.starts_with(code), "{text}");
        assert!(text.contains("visible from the guest: no"), "{text}");
        assert!(text.contains("Check outside the VM"), "{text}");
        assert!(text.contains("No snaptriage finding explains it"), "{text}");
    }
}

#[test]
fn status_121_names_its_surfaced_code_and_finding() {
    let text = stdout_of(&["explain", "121"]);
    assert!(text.starts_with("121 FailedRetryableFsFreezeFailed"), "{text}");
    assert!(text.contains("Usually surfaces in Azure Backup as:\n  - UserErrorFsFreezeFailed"), "{text}");
    assert!(text.contains("snaptriage finding that covers it: fsfreeze-failed"), "{text}");
    assert!(text.contains("also named: FailedFsFreezeFailed"), "{text}");
}

#[test]
fn an_extension_error_name_explains_in_any_case() {
    let text = stdout_of(&["explain", "FailedRetryableFsFreezeFailed"]);
    assert!(text.starts_with("121 FailedRetryableFsFreezeFailed"), "{text}");
    assert!(text.contains("UserErrorFsFreezeFailed") && text.contains("fsfreeze-failed"), "{text}");
    assert_eq!(stdout_of(&["explain", "failedretryablefsfreezefailed"]), text);
    let restricted = stdout_of(&["explain", "761"]);
    assert!(
        restricted.contains("ExtensionSnapshotFailedNoNetwork") && restricted.contains("storage-unreachable")
    );
}

#[test]
fn a_number_of_two_kinds_explains_both() {
    let text = stdout_of(&["explain", "556"]);
    assert!(text.contains("556 FailedHostSnapshotRemoteServerError"), "{text}");
    assert!(text.contains("status 556 of the backup extension's host snapshot calls"), "{text}");
    assert!(text.contains("wireserver-unreachable") && text.contains("vmsnapshot-failed"), "{text}");
}

#[test]
fn typos_get_the_nearest_names() {
    let out = snaptriage(&["explain", "UserErrorGuestAgentStatusUnavaliable"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean: UserErrorGuestAgentStatusUnavailable"), "{err}");

    let out = snaptriage(&["explain", "fsfreze-failed"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean: fsfreeze-failed"), "{err}");
}

#[test]
fn case_differences_are_not_typos() {
    let text = stdout_of(&["explain", "FSFREEZE-FAILED"]);
    assert!(text.starts_with("fsfreeze-failed"), "{text}");
    assert!(stdout_of(&["explain", "usererrorskunotavailable"]).starts_with("UserErrorSkuNotAvailable"));
}

#[test]
fn unknown_input_exits_2_with_a_clear_message() {
    let out = snaptriage(&["explain", "qqqqqqqqqqqqqqqqqqqq"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`qqqqqqqqqqqqqqqqqqqq` is not a known Azure Backup error code"), "{err}");
    assert!(err.contains("snaptriage explain --list"), "{err}");
    assert!(!err.contains("did you mean"), "{err}");
    // Nothing to explain at all is a usage error.
    assert_eq!(snaptriage(&["explain"]).status.code(), Some(2));
}

#[test]
fn the_listing_names_every_code_and_finding_once_per_line() {
    let cat = Catalog::get();
    let text = stdout_of(&["explain", "--list"]);
    let lines: Vec<&str> = text.lines().collect();
    let has_line = |name: &str, meaning: &str| {
        lines
            .iter()
            .any(|l| l.split_whitespace().any(|w| w == name) && l.trim_end().ends_with(meaning.trim_end()))
    };
    for code in &cat.codes {
        assert!(has_line(&code.code, &code.message), "{}", code.code);
    }
    for status in &cat.extension.status {
        assert!(has_line(&status.name, &status.meaning), "{}", status.name);
    }
    for number in cat.extension.exit_code.iter().chain(&cat.extension.host_status) {
        assert!(has_line(&number.value.to_string(), &number.meaning), "{}", number.value);
    }
    for finding in &cat.findings {
        assert!(has_line(&finding.id, &finding.title), "{}", finding.id);
    }
    for heading in ["Azure Backup error codes", "Backup extension status codes", "snaptriage findings"] {
        assert!(lines.iter().any(|l| l.starts_with(heading)), "{heading}");
    }
}

#[test]
fn the_json_listing_parses_and_holds_every_code() {
    let cat = Catalog::get();
    let text = stdout_of(&["explain", "--list", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let codes: Vec<&str> =
        value["error_codes"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, cat.codes.iter().map(|c| c.code.as_str()).collect::<Vec<_>>());
    assert_eq!(value["extension_status_codes"].as_array().unwrap().len(), cat.extension.status.len());
    // `--format` only shapes the listing.
    assert_eq!(snaptriage(&["explain", "121", "--format", "json"]).status.code(), Some(2));
}

#[test]
fn bash_completions_name_every_subcommand() {
    let script = stdout_of(&["completions", "bash"]);
    for sub in ["analyze", "batch", "timeline", "explain", "rules", "completions", "man"] {
        assert!(script.contains(sub), "{sub}");
    }
    assert!(script.contains("--list"), "explain's flags complete too");
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        assert!(stdout_of(&["completions", shell]).contains("snaptriage"), "{shell}");
    }
    assert_eq!(snaptriage(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn the_manual_page_is_roff_and_names_the_subcommands() {
    let page = stdout_of(&["man"]);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq") || page.starts_with(".TH"),
        "{}",
        &page[..page.len().min(200)]
    );
    assert!(page.contains(".TH snaptriage 1"), "{}", &page[..page.len().min(400)]);
    assert!(page.contains("analyze") && page.contains("explain"));
}

#[test]
fn man_out_dir_writes_one_page_per_subcommand() {
    let dir = std::env::temp_dir().join(format!("snaptriage-man-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = snaptriage(&["man", "--out-dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    let want =
        ["snaptriage-analyze.1", "snaptriage-batch.1", "snaptriage-completions.1", "snaptriage-explain.1"];
    for page in want.iter().chain(&[
        "snaptriage-man.1",
        "snaptriage-rules.1",
        "snaptriage-timeline.1",
        "snaptriage.1",
    ]) {
        assert!(pages.iter().any(|p| p == page), "{page} in {pages:?}");
    }
    let analyze = std::fs::read_to_string(dir.join("snaptriage-analyze.1")).unwrap();
    assert!(analyze.contains(".TH snaptriage-analyze 1"), "{analyze}");
    std::fs::remove_dir_all(&dir).unwrap();
}
