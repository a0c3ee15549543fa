//! Freeze and mount rules from explicit extension-log signals, sources and status files.

use super::*;
use crate::diagnoses::testkit::{evidence_texts, Case};
use crate::model::{Confidence, Severity};

const EXT_LOG: &str = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log";
const SYSLOG: &str = "var/log/syslog";

fn at(time: &str) -> String {
    format!("2024-03-15T{time}:00Z")
}

#[test]
fn a_freeze_failure_names_its_mount_with_high_confidence() {
    let draft = Case::new()
        .signal("freeze.failure", &at("10:00"), EXT_LOG, 40, "freeze failed for /data")
        .capture("mount", "/data")
        .run(&FsFreezeFailed)
        .unwrap();
    assert_eq!((draft.severity, draft.confidence), (None, Confidence::High));
    assert!(draft.summary.contains("freeze/thaw failed on /data"), "{}", draft.summary);
}

#[test]
fn kernel_complaints_within_30_minutes_of_the_freeze_are_evidence() {
    let case = |kernel_at: &str| {
        Case::new()
            .signal("freeze.failure", &at("10:00"), EXT_LOG, 40, "freeze failed")
            .signal("kernel.hung-task", &at(kernel_at), SYSLOG, 7, "task blocked for more than 120 seconds")
            .run(&FsFreezeFailed)
            .unwrap()
    };
    let near = case("10:30");
    assert!(near.summary.contains("1 kernel complaint"), "{}", near.summary);
    assert_eq!(evidence_texts(&near), ["freeze failed", "task blocked for more than 120 seconds"]);
    let far = case("10:31");
    assert!(!far.summary.contains("kernel"), "{}", far.summary);
}

#[test]
fn lock_retries_alone_are_a_low_confidence_warning() {
    let draft = Case::new()
        .signal("freeze.lock-busy", &at("10:00"), EXT_LOG, 3, "lock busy, retrying")
        .run(&FsFreezeFailed)
        .unwrap();
    assert_eq!((draft.severity, draft.confidence), (Some(Severity::Warning), Confidence::Low));
    let gave_up = Case::new()
        .signal("freeze.lock-busy", &at("10:00"), EXT_LOG, 3, "another process already freezed")
        .run(&FsFreezeFailed)
        .unwrap();
    assert_eq!((gave_up.severity, gave_up.confidence), (None, Confidence::High));
    assert!(Case::new().run(&FsFreezeFailed).is_none());
}

/// A freeze started at 10:00 in an extension log that ends at `log_end`.
fn freeze_started(log_end: &str) -> Case {
    Case::new().signal("freeze.start", &at("10:00"), EXT_LOG, 50, "freezing file systems").source(
        EXT_LOG,
        &at("09:00"),
        &at(log_end),
    )
}

#[test]
fn a_log_ending_within_five_minutes_of_a_freeze_with_no_thaw_hung_frozen() {
    let hung = freeze_started("10:05").run(&FsFreezeFailed).unwrap();
    assert_eq!(hung.confidence, Confidence::Medium);
    assert!(hung.summary.contains("ends right after freezing started"), "{}", hung.summary);
    assert!(freeze_started("10:06").run(&FsFreezeFailed).is_none(), "the log went on");
    let thawed = freeze_started("10:05").signal("freeze.end", &at("10:01"), EXT_LOG, 51, "thawed");
    assert!(thawed.run(&FsFreezeFailed).is_none());
}

#[test]
fn a_mount_that_cannot_be_opened_with_a_stale_nfs_server_within_a_day() {
    let case = |server_at: &str| {
        Case::new()
            .signal("mount.open-failure", "2024-03-15T10:00:00Z", EXT_LOG, 12, "Failed to open: /mnt/share")
            .capture("mount", "/mnt/share")
            .signal("kernel.mount-unresponsive", server_at, SYSLOG, 4, "nfs: server not responding")
            .run(&MountUnopenable)
            .unwrap()
    };
    let near = case("2024-03-16T09:00:00Z");
    assert_eq!(near.summary, "The backup extension could not open /mnt/share; the system log shows an unresponsive network file system.");
    let far = case("2024-03-17T10:00:00Z");
    assert_eq!(far.summary, "The backup extension could not open /mnt/share.");
    assert!(Case::new()
        .backup_status("error", Some(123), None, "2024-03-15T10:00:00Z")
        .run(&MountUnopenable)
        .is_some());
    assert!(Case::new().run(&MountUnopenable).is_none());
}
