//! Run grouping from explicit signals and status facts.

use super::*;
use crate::diagnoses::testkit::Case;

const EXT_LOG: &str = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log";
const AGENT_LOG: &str = "var/log/waagent.log";

fn at(time: &str) -> String {
    format!("2024-03-15T{time}:00Z")
}

fn labels(runs: &[BackupRun]) -> Vec<(Option<u64>, RunOutcome)> {
    runs.iter().map(|r| (r.seq, r.outcome)).collect()
}

#[test]
fn records_join_a_run_by_sequence_number_and_else_by_time() {
    let case = Case::new()
        .signal(
            "ext.enable",
            &at("10:00"),
            AGENT_LOG,
            1,
            "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0] Enable extension",
        )
        .capture("name", "Microsoft.Azure.RecoveryServices.VMSnapshotLinux")
        .signal("snap.sequence", &at("10:00"), EXT_LOG, 1, "sequence number from environment variable is 7")
        .capture("seq", "7")
        .signal("freeze.start", &at("10:01"), EXT_LOG, 2, "freeze")
        .signal("snap.final-status", &at("10:02"), EXT_LOG, 3, "Enable,error,121,freeze failed,False")
        .capture("operation", "Enable")
        .capture("status", "error")
        .capture("code", "121")
        // The next night: a new sequence number, a success.
        .signal("snap.sequence", &at("22:00"), EXT_LOG, 10, "sequence number from environment variable is 8")
        .capture("seq", "8")
        .signal("snap.final-status", &at("22:03"), EXT_LOG, 11, "Enable,success,1,,False")
        .capture("operation", "Enable")
        .capture("status", "success")
        .capture("code", "1");
    let (signals, facts) = case.parts();
    let runs = reconstruct(&signals, &facts, None);
    assert_eq!(labels(&runs), vec![(Some(7), RunOutcome::Failed), (Some(8), RunOutcome::Success)]);
    assert_eq!(runs[0].code, Some(121));
    assert_eq!(runs[0].evidence.len(), 2, "one record per source: the agent's and the extension's");
    assert_eq!(runs[0].phases.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), vec!["freeze"]);
}

#[test]
fn a_status_file_outranks_the_log_and_a_stale_transition_is_stuck() {
    let case = Case::new()
        .signal("snap.sequence", &at("10:00"), EXT_LOG, 1, "current seq no is 9")
        .capture("seq", "9")
        .signal(
            "snap.final-status",
            &at("10:00"),
            EXT_LOG,
            2,
            "Enable,success,4,Transitioning state in extension,False",
        )
        .capture("operation", "Enable")
        .capture("status", "success")
        .capture("code", "4");
    let (signals, facts) = case.clone().parts();
    let late = chrono::DateTime::parse_from_rfc3339(&at("18:00")).unwrap().to_utc();
    let early = chrono::DateTime::parse_from_rfc3339(&at("10:30")).unwrap().to_utc();
    assert_eq!(labels(&reconstruct(&signals, &facts, Some(late))), vec![(Some(9), RunOutcome::Stuck)]);
    assert_eq!(labels(&reconstruct(&signals, &facts, Some(early))), vec![(Some(9), RunOutcome::Unknown)]);
    let (signals, facts) =
        case.backup_status("error", Some(85), Some("FailedSnapshotLimitReached"), &at("10:05")).parts();
    let runs = reconstruct(&signals, &facts, Some(late));
    // The test kit's status file is sequence number 7: a run of its own, the log's run stays stuck.
    assert_eq!(labels(&runs), vec![(Some(9), RunOutcome::Stuck), (Some(7), RunOutcome::Failed)]);
    assert_eq!(runs[1].error_name.as_deref(), Some("FailedSnapshotLimitReached"));
}

#[test]
fn an_invocation_the_extension_skips_is_not_a_run_and_a_failed_disable_is_not_either() {
    let case = Case::new()
        .signal("snap.sequence", &at("03:00"), EXT_LOG, 1, "current seq no is 20")
        .capture("seq", "20")
        .signal("snap.seq-repeated", &at("03:00"), EXT_LOG, 2, "the sequence number are same, so skip")
        .signal("ext.nonzero-exit", &at("05:00"), AGENT_LOG, 3, "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0] Non-zero exit code: 1, main/handle.sh disable")
        .about_backup();
    let (signals, facts) = case.parts();
    assert!(reconstruct(&signals, &facts, None).is_empty());
}
