//! `vmsnapshot-crash`: IaaSBcdrExtension.exe crashed or hung.

use chrono::Duration;

use super::{app_is_backup, backup_failure_times, failing_statuses, failure_near, split_by_failures};
use crate::diagnoses::Input;
use crate::diagnoses::{evidence_of, Context, Diagnosis, Draft, Signal};
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Severity};
use crate::report::words::count;
use crate::timeline::human_duration;

/// A crash this long (or less) before a snapshot failure explains it.
const CRASH_WINDOW_MINUTES: i64 = 30;

/// `vmsnapshot-crash`.
pub struct VmSnapshotCrash;

impl Diagnosis for VmSnapshotCrash {
    fn id(&self) -> &'static str {
        "vmsnapshot-crash"
    }

    fn rule(&self) -> &'static str {
        "IaaSBcdrExtension.exe crashed or hung (Application Error 1000, WER 1001 APPCRASH/AppHang/CLR20r3 with \
         P1 = the program, Application Hang 1002, .NET Runtime 1026). A crash within 30 min before a VMSnapshot \
         failure is critical and high-confidence; a crash with no failure after it is a warning. Crashes of other \
         programs never count."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["win.crash"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::windows(ArtifactKind::Evtx)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let crashes: Vec<&Signal> = cx.named("win.crash").filter(|s| app_is_backup(s)).collect();
        if crashes.is_empty() {
            return None;
        }
        let failures = backup_failure_times(cx);
        let window = Duration::minutes(CRASH_WINDOW_MINUTES);
        // Application Error, WER and .NET events of one crash arrive within seconds: count crashes, not events.
        let crash_count = crate::diagnoses::bursts(&crashes, Duration::minutes(2)).len();
        let (tied, untied) = split_by_failures(crashes, &failures, window, Duration::zero());
        let mut evidence = evidence_of(tied.iter().chain(&untied).copied());
        evidence.extend(failing_statuses(cx));
        if let Some(first) = tied.first() {
            let (t, f) = (first.time?, failure_near(&failures, first.time?, window, Duration::zero())?);
            let summary = format!(
                "IaaSBcdrExtension.exe crashed {}; the crash at {} came {} before the snapshot failed.",
                count(crash_count, "time"),
                crate::model::human_time(t),
                human_duration(f - t)
            );
            return Some(Draft {
                severity: Some(Severity::Critical),
                confidence: Confidence::High,
                summary,
                evidence,
                error_codes: None,
            });
        }
        let summary = format!(
            "IaaSBcdrExtension.exe crashed {}, with no snapshot failure within 30 min after.",
            count(crash_count, "time")
        );
        Some(Draft {
            severity: Some(Severity::Warning),
            confidence: Confidence::Medium,
            summary,
            evidence,
            error_codes: None,
        })
    }
}
