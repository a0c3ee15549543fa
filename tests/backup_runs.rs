//! The backup runs every sample shows: their sequence numbers, outcomes and, for each failed run, its root
//! cause — asserted exactly, as `seq:outcome[:root cause]` (`-` for a run no source numbers).

use std::path::Path;

use snaptriage::runs::{BackupRun, RunOutcome};
use snaptriage::{analyze_path, Options};

const EXPECTED: &[(&str, &[&str])] = &[
    ("linux-agent-config-blocks-extensions.zip", &["45:success", "46:success"]),
    ("linux-agent-not-running.zip", &["32:success", "33:success"]),
    ("linux-agent-outdated.zip", &["97:success", "98:success", "99:success", "100:success"]),
    (
        "linux-backup-overlap.zip",
        &["231:success", "232:success", "233:success", "234:success", "236:success"],
    ),
    ("linux-dhcp-disabled.zip", &["204:success", "205:success", "206:success", "207:success"]),
    (
        "linux-extension-failed.zip",
        &["311:success", "312:success", "313:success", "314:success", "315:success"],
    ),
    (
        "linux-extension-settings-undecryptable.zip",
        &[
            "91:success",
            "92:success",
            "93:failed:extension-settings-undecryptable",
            "94:failed:extension-settings-undecryptable",
        ],
    ),
    (
        "linux-freeze-timeout-nested.zip",
        &["89:success", "90:success", "91:success", "92:failed:fsfreeze-failed"],
    ),
    ("linux-healthy-new-agent.zip", &["19:success", "20:success", "21:success", "22:success", "23:success"]),
    (
        "linux-healthy-old-agent.zip",
        &["58:success", "59:success", "60:failed:unexplained", "61:success", "62:success", "63:success"],
    ),
    ("linux-mount-unopenable.zip", &["67:success", "68:success", "69:success", "70:failed:mount-unopenable"]),
    (
        "linux-python-unsupported.zip",
        &[
            "66:success",
            "67:success",
            "68:success",
            "-:failed:python-unsupported",
            "-:failed:python-unsupported",
        ],
    ),
    (
        "linux-snapshot-limit-reached.zip",
        &["513:success", "514:success", "515:success", "516:failed:snapshot-limit-reached"],
    ),
    ("linux-snapshot-timeout.zip", &["76:success", "77:success", "78:success", "79:stuck:snapshot-timeout"]),
    (
        "linux-storage-unreachable.zip",
        &[
            "141:success",
            "142:success",
            "143:success",
            "144:failed:storage-unreachable",
            "145:failed:storage-unreachable",
        ],
    ),
    (
        "linux-vmsnapshot-failed.zip",
        &["403:success", "404:success", "405:success", "406:failed:vmsnapshot-failed"],
    ),
    ("linux-vmsnapshot-stuck-deleting.zip", &["28:success", "29:success"]),
    ("linux-wireserver-unreachable.zip", &["13:success", "14:success", "15:success"]),
    (
        "linux-fsfreeze-failed.tar.gz",
        &["119:success", "120:success", "121:success", "122:failed:fsfreeze-failed"],
    ),
    ("windows-agent-not-running.zip", &["511:success", "512:success"]),
    (
        "windows-antivirus-interference.zip",
        &[
            "903:success",
            "904:success",
            "905:success",
            "-:failed:antivirus-interference",
            "907:failed:antivirus-interference",
        ],
    ),
    (
        "windows-app-control-block.zip",
        &[
            "121:success",
            "122:success",
            "-:failed:app-control-block",
            "-:failed:app-control-block",
            "125:failed:app-control-block",
        ],
    ),
    (
        "windows-bitlocker-locked.zip",
        &[
            "19:failed:bitlocker-locked",
            "20:failed:bitlocker-locked",
            "21:failed:bitlocker-locked",
            "22:failed:bitlocker-locked",
        ],
    ),
    (
        "windows-com-msdtc-failure.zip",
        &[
            "234:success",
            "235:success",
            "236:failed:com-msdtc-failure",
            "237:failed:com-msdtc-failure",
            "238:failed:com-msdtc-failure",
        ],
    ),
    ("windows-crash-unrelated.zip", &["1045:success", "1046:success", "1047:success", "1048:success"]),
    ("windows-dhcp-disabled.zip", &["301:success", "302:success"]),
    (
        "windows-dotnet-missing.zip",
        &["4:failed:dotnet-missing", "5:failed:dotnet-missing", "6:failed:dotnet-missing"],
    ),
    ("windows-extension-failed.zip", &["601:success", "602:success", "603:success", "604:success"]),
    ("windows-healthy.zip", &["312:success", "313:success", "314:success", "315:success", "316:success"]),
    (
        "windows-snapshot-timeout.zip",
        &["91:success", "92:success", "93:success", "94:stuck:snapshot-timeout"],
    ),
    (
        "windows-tls-channel-failure.zip",
        &[
            "97:success",
            "98:success",
            "99:failed:tls-channel-failure",
            "100:failed:tls-channel-failure",
            "101:failed:tls-channel-failure",
        ],
    ),
    (
        "windows-vcredist-install-failed.zip",
        &[
            "41:success",
            "42:success",
            "43:failed:vcredist-install-failed",
            "44:failed:vcredist-install-failed",
            "45:failed:vcredist-install-failed",
        ],
    ),
    (
        "windows-vmsnapshot-crash-positional.zip",
        &["78:success", "79:success", "80:success", "81:failed:vmsnapshot-crash"],
    ),
    (
        "windows-vmsnapshot-crash.zip",
        &["641:success", "642:success", "643:success", "644:success", "645:failed:vmsnapshot-crash"],
    ),
    (
        "windows-vmsnapshot-failed.zip",
        &[
            "456:success",
            "457:success",
            "458:success",
            "459:failed:vmsnapshot-failed",
            "460:failed:vmsnapshot-failed",
        ],
    ),
    (
        "windows-vss-failure.zip",
        &[
            "1531:success",
            "1532:success",
            "1533:success",
            "1534:failed:vss-failure",
            "1535:failed:vss-failure",
        ],
    ),
    ("windows-wireserver-unreachable.zip", &["2211:success", "2212:success", "2213:success"]),
];

fn runs_of(file: &str) -> Vec<BackupRun> {
    let os = file.split('-').next().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(os).join(file);
    analyze_path(&path, &Options::default()).unwrap_or_else(|e| panic!("{file}: {e}")).report.runs
}

fn label(run: &BackupRun) -> String {
    let seq = run.seq.map_or("-".to_string(), |s| s.to_string());
    match run.outcome {
        RunOutcome::Failed | RunOutcome::Stuck => {
            format!("{seq}:{}:{}", run.outcome.as_str(), run.cause_label())
        }
        _ => format!("{seq}:{}", run.outcome.as_str()),
    }
}

#[test]
fn every_sample_shows_exactly_its_runs_outcomes_and_root_causes() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut listed: Vec<String> = ["linux", "windows"]
        .iter()
        .flat_map(|os| std::fs::read_dir(samples.join(os)).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    listed.sort();
    let mut expected: Vec<String> = EXPECTED.iter().map(|(f, _)| f.to_string()).collect();
    expected.sort();
    assert_eq!(listed, expected, "every sample has its expected runs here");
    let mut wrong = Vec::new();
    for (file, want) in EXPECTED {
        let got: Vec<String> = runs_of(file).iter().map(label).collect();
        if got != *want {
            wrong.push(format!("{file}:\n  expected {want:?}\n  got      {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn runs_are_numbered_in_time_order_and_only_failures_carry_a_cause() {
    for (file, _) in EXPECTED {
        let runs = runs_of(file);
        for (i, run) in runs.iter().enumerate() {
            assert_eq!(run.id, format!("run-{}", i + 1), "{file}");
            assert!(run.started.is_some() && run.ended.is_some(), "{file} {}: dated", run.id);
            assert!(!run.evidence.is_empty(), "{file} {}: cites where it was seen", run.id);
            match &run.root_cause {
                Some(cause) => {
                    assert!(run.outcome.is_failure(), "{file} {}", run.id);
                    assert!(!cause.why.is_empty(), "{file} {}: says why", run.id);
                }
                None => assert!(!run.outcome.is_failure(), "{file} {}: a failed run names its cause", run.id),
            }
        }
        let starts: Vec<_> = runs.iter().map(|r| r.span().map(|s| s.0)).collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{file}: in time order");
    }
}

#[test]
fn a_failed_run_carries_the_extensions_code_name_and_phases() {
    let runs = runs_of("linux-fsfreeze-failed.tar.gz");
    let failed = runs.iter().find(|r| r.outcome == RunOutcome::Failed).unwrap();
    assert_eq!(
        (failed.code, failed.error_name.as_deref()),
        (Some(121), Some("FailedRetryableFsFreezeFailed"))
    );
    assert!(failed.phases.iter().any(|p| p.name == "freeze" && !p.ok), "{:?}", failed.phases);
    let cause = failed.root_cause.as_ref().unwrap();
    assert!(cause.why.contains("121"), "{}", cause.why);
}

#[test]
fn a_consequence_is_attached_to_its_cause() {
    for file in ["linux-dhcp-disabled.zip", "windows-dhcp-disabled.zip"] {
        let os = file.split('-').next().unwrap();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(os).join(file);
        let report = analyze_path(&path, &Options::default()).unwrap().report;
        let caused: Vec<(&str, Option<&str>)> =
            report.findings.iter().map(|f| (f.id.as_str(), f.caused_by.as_deref())).collect();
        assert_eq!(
            caused,
            vec![("dhcp-disabled", None), ("wireserver-unreachable", Some("dhcp-disabled"))],
            "{file}"
        );
    }
}
