//! Extension-handling rules from explicit agent-log, shell-log and status signals.

use super::*;
use crate::diagnoses::testkit::{evidence_texts, Case};
use crate::model::{Confidence, Severity};

const LOG: &str = "var/log/waagent.log";
const SHELL_LOG: &str = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/shell.log";
const EXT_LOG: &str = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log";
const BACKUP: &str = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux";

fn at(time: &str) -> String {
    format!("2024-03-15T{time}:00Z")
}

#[test]
fn no_usable_python_for_the_backup_extension() {
    let draft = Case::new()
        .signal("python.unusable", &at("10:00"), SHELL_LOG, 2, "python version unknown")
        .run(&PythonUnsupported)
        .unwrap();
    assert!(draft.summary.contains("no usable Python found (1 time)"), "{}", draft.summary);
    assert_eq!(evidence_texts(&draft), ["python version unknown"]);
    let import = Case::new()
        .signal("python.import-error", &at("10:00"), EXT_LOG, 2, "ImportError: No module named crypt")
        .capture("module", "crypt")
        .about_backup()
        .run(&PythonUnsupported)
        .unwrap();
    assert!(import.summary.contains("`crypt`"), "{}", import.summary);
}

#[test]
fn an_import_error_of_another_program_is_not_the_backup_extension() {
    let other = Case::new()
        .signal("python.import-error", &at("10:00"), LOG, 2, "ImportError: No module named yaml")
        .capture("module", "yaml");
    assert!(other.run(&PythonUnsupported).is_none());
}

#[test]
fn another_extension_in_error_until_it_succeeds_again() {
    let failing = || {
        Case::new()
            .signal("ext.failure", &at("10:00"), LOG, 12, "Enable failed")
            .capture("name", "Microsoft.Azure.Monitor.AzureMonitorLinuxAgent")
    };
    let draft = failing().run(&ExtensionFailed).unwrap();
    assert_eq!((draft.severity, draft.confidence), (Some(Severity::Error), Confidence::Medium));
    assert_eq!(draft.summary, "Extension in error: Microsoft.Azure.Monitor.AzureMonitorLinuxAgent.");
    let backup =
        Case::new().signal("ext.failure", &at("10:00"), LOG, 12, "Enable failed").capture("name", BACKUP);
    assert!(backup.run(&ExtensionFailed).is_none(), "the backup extension's failures are its own findings");
    assert!(Case::new().run(&ExtensionFailed).is_none());
}

#[test]
fn a_failing_uninstall_of_the_backup_extension_is_stuck_deleting() {
    let removal = |op: &str| {
        Case::new()
            .signal("ext.failure", &at("10:00"), LOG, 30, "operation failed")
            .capture("name", BACKUP)
            .capture("op", op)
            .run(&StuckDeleting)
    };
    assert!(removal("Uninstall").is_some());
    assert!(removal("Disable").is_some());
    assert!(removal("Enable").is_none());
}

#[test]
fn settings_the_extension_cannot_decrypt() {
    let direct = Case::new()
        .signal(
            "snap.settings-undecryptable",
            &at("10:00"),
            EXT_LOG,
            3,
            "Failed to decrypt protected settings",
        )
        .run(&SettingsUndecryptable);
    assert!(direct.is_some());
    let by_status =
        Case::new().backup_status("error", Some(16), None, &at("10:00")).run(&SettingsUndecryptable);
    assert!(by_status.is_some());
    let healthy =
        Case::new().backup_status("success", Some(16), None, &at("10:00")).run(&SettingsUndecryptable);
    assert!(healthy.is_none(), "a status code counts only on a failed run");
}
