//! Backup-extension run rules from explicit extension-log signals and status files.

use super::*;
use crate::diagnoses::testkit::{evidence_texts, Case};
use crate::model::{Confidence, Severity};

const EXT_LOG: &str = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log";

fn at(time: &str) -> String {
    format!("2024-03-15T{time}:00Z")
}

fn run_start(case: Case, time: &str, line: u32) -> Case {
    case.signal("snap.run-start", &at(time), EXT_LOG, line, &format!("run started at line {line}"))
}

#[test]
fn a_run_starting_while_another_is_open_overlaps() {
    let draft = run_start(run_start(Case::new(), "10:00", 1), "10:30", 2).run(&BackupOverlap).unwrap();
    assert_eq!((draft.severity, draft.confidence), (None, Confidence::High));
    assert!(
        draft.summary.contains("a new run started 30m after an unfinished one (1 overlap)"),
        "{}",
        draft.summary
    );
    assert_eq!(evidence_texts(&draft), ["run started at line 1", "run started at line 2"]);
}

#[test]
fn runs_apart_by_more_than_the_task_window_or_after_a_final_status_do_not_overlap() {
    assert!(run_start(run_start(Case::new(), "10:00", 1), "12:21", 2).run(&BackupOverlap).is_none());
    assert!(
        run_start(run_start(Case::new(), "10:00", 1), "12:20", 2).run(&BackupOverlap).is_some(),
        "140 min"
    );
    let finished = run_start(Case::new(), "10:00", 1)
        .signal("snap.final-status", &at("10:10"), EXT_LOG, 5, "final status success")
        .capture("status", "success");
    assert!(run_start(finished, "10:30", 9).run(&BackupOverlap).is_none());
    let failed =
        run_start(Case::new(), "10:00", 1).signal("snap.failure", &at("10:10"), EXT_LOG, 5, "failed");
    assert!(run_start(failed, "10:30", 9).run(&BackupOverlap).is_none(), "a failed run is over");
}

#[test]
fn a_task_delivered_again_alone_is_informational() {
    let draft = Case::new()
        .signal("snap.task-repeated", &at("10:00"), EXT_LOG, 3, "same task id")
        .run(&BackupOverlap)
        .unwrap();
    assert_eq!(draft.severity, Some(Severity::Info));
}

#[test]
fn the_snapshot_limit_fires_on_its_signal_or_its_code() {
    let line =
        Case::new().signal("storage.snapshot-limit", &at("10:00"), EXT_LOG, 4, "SnapshotCountExceeded");
    assert!(line.run(&SnapshotLimitReached).is_some());
    let coded = Case::new()
        .signal("snap.status-code", &at("10:00"), EXT_LOG, 4, "StatusCode.FailedSnapshotLimitReached")
        .capture("ext_code", "FailedSnapshotLimitReached");
    assert!(coded.run(&SnapshotLimitReached).is_some());
    assert!(Case::new()
        .backup_status("error", Some(84), None, &at("10:00"))
        .run(&SnapshotLimitReached)
        .is_none());
}

/// The backup status transitioning since 10:00, looked at `now`.
fn transitioning_at(now: &str) -> Case {
    Case::new().backup_status("transitioning", None, None, &at("10:00")).reference(&at(now))
}

#[test]
fn a_status_transitioning_for_two_hours_is_a_timeout() {
    let draft = transitioning_at("12:00").run(&SnapshotTimeout).unwrap();
    assert!(draft.summary.contains("2h 00m"), "{}", draft.summary);
    assert!(transitioning_at("11:59").run(&SnapshotTimeout).is_none());
    let step = transitioning_at("12:00")
        .signal("snap.step", &at("10:30"), EXT_LOG, 8, "step 3")
        .capture("step", "3");
    assert!(step.run(&SnapshotTimeout).is_none(), "the run moved on at 10:30");
    let finished = transitioning_at("13:00")
        .signal("snap.final-status", &at("10:20"), EXT_LOG, 9, "final status")
        .capture("status", "success");
    assert!(finished.run(&SnapshotTimeout).is_none());
}

#[test]
fn a_freeze_hang_explains_a_stuck_status() {
    let hung = transitioning_at("13:00").decided("fsfreeze-failed", Severity::Error);
    assert!(hung.run(&SnapshotTimeout).is_none());
    let explicit = Case::new()
        .signal("snap.timeout", &at("10:00"), EXT_LOG, 2, "CRP timeout")
        .decided("fsfreeze-failed", Severity::Error);
    assert!(explicit.run(&SnapshotTimeout).is_some(), "an explicit time-out is still one");
}

fn failed_run() -> Case {
    Case::new()
        .signal("snap.final-status", &at("10:00"), EXT_LOG, 30, "final status error code 1")
        .capture("status", "error")
}

#[test]
fn a_failed_run_nothing_explains_is_the_catch_all() {
    let draft = failed_run().run(&VmSnapshotFailed).unwrap();
    assert_eq!((draft.severity, draft.confidence), (None, Confidence::Medium));
    let recovered = failed_run()
        .signal("snap.final-status", &at("11:00"), EXT_LOG, 60, "final status success")
        .capture("status", "success")
        .run(&VmSnapshotFailed)
        .unwrap();
    assert_eq!(recovered.severity, Some(Severity::Warning));
    assert!(recovered.summary.contains("a later run succeeded"), "{}", recovered.summary);
    assert!(Case::new().run(&VmSnapshotFailed).is_none());
}

#[test]
fn a_specific_finding_suppresses_the_catch_all_but_an_earlier_crash_does_not() {
    let explained = failed_run().decided("fsfreeze-failed", Severity::Error);
    assert!(explained.run(&VmSnapshotFailed).is_none());
    let crash_before = failed_run().decided("vmsnapshot-crash", Severity::Warning);
    assert!(crash_before.run(&VmSnapshotFailed).is_some());
    let crash_tied = failed_run().decided("vmsnapshot-crash", Severity::Critical);
    assert!(crash_tied.run(&VmSnapshotFailed).is_none());
}

#[test]
fn a_decoded_code_is_left_to_its_own_finding_only() {
    let coded = |name: &str| {
        failed_run()
            .signal("snap.status-code", &at("10:00"), EXT_LOG, 30, "StatusCode")
            .capture("ext_code", name)
            .decided("fsfreeze-failed", Severity::Error)
            .run(&VmSnapshotFailed)
    };
    assert!(coded("FailedRetryableFsFreezeFailed").is_none());
    let other = coded("FailedPrepostPreScriptFailed").unwrap();
    assert_eq!(other.confidence, Confidence::High);
    assert!(other.summary.contains("FailedPrepostPreScriptFailed"), "{}", other.summary);
}
